/// Runs a `RegexProgram` over a text's scalars with a bound on the work: every instruction and
/// every backtrack counts a step, and the whole search of one text may take `budget` steps and
/// hold `maxFrames` backtrack entries. Oniguruma in `tokenizers` likewise gives up
/// (retry-limit-in-match) on catastrophic patterns such as `(a+)+$`; here the search ends in
/// `Exhausted` instead of running for hours.
struct RegexMatcher {
    /// Steps allowed for one text: a floor plus a margin per scalar far above what tokenizer
    /// patterns need (GPT-2's takes about ten per scalar).
    static func budget(forLength n: Int) -> Int { 200_000 + 40 * n }
    /// Backtrack entries held at once (16 bytes each).
    static let maxFrames = 4_000_000

    struct Exhausted: Error { let steps: Int }

    private enum Kind: UInt8 { case branch, giveBack, takeMore, restoreSlot }
    private struct Frame {
        var kind: Kind
        var pc: Int32
        var pos: Int32
        /// giveBack: the lowest position; takeMore: scalars taken; restoreSlot: the slot's old value.
        var extra: Int32
    }

    let program: RegexProgram
    let text: [Unicode.Scalar]
    private(set) var steps = 0
    private let budget: Int
    private var slots: [Int32]

    /// The last offset of each required scalar in the text (-1: absent).
    private let lastRequired: [Int]

    init(_ program: RegexProgram, text: [Unicode.Scalar]) {
        self.program = program
        self.text = text
        budget = Self.budget(forLength: text.count)
        slots = Array(repeating: -1, count: program.slotCount)
        lastRequired = program.requiredScalars.map { c in text.lastIndex(of: c) ?? -1 }
    }

    /// The leftmost match starting at or after `from`, as scalar offsets.
    mutating func search(from: Int) throws(Exhausted) -> Range<Int>? {
        var start = from
        while start <= text.count {
            if lastRequired.contains(where: { $0 < start }) { return nil }
            if let end = try run(0, at: start, mustEndAt: nil) { return start..<end }
            start += 1
        }
        return nil
    }

    private mutating func count(_ n: Int = 1) throws(Exhausted) {
        steps += n
        if steps > budget { throw Exhausted(steps: steps) }
    }

    /// Matches program `index` at `start`; the end position, or nil.
    private mutating func run(_ index: Int, at start: Int, mustEndAt required: Int?) throws(Exhausted) -> Int? {
        let code = program.programs[index]
        var stack = [Frame]()
        var pc = 0, pos = start
        func push(_ kind: Kind, _ pc: Int, _ pos: Int, _ extra: Int) throws(Exhausted) {
            guard stack.count < Self.maxFrames else { throw Exhausted(steps: steps) }
            stack.append(Frame(kind: kind, pc: Int32(truncatingIfNeeded: pc), pos: Int32(truncatingIfNeeded: pos),
                               extra: Int32(truncatingIfNeeded: extra)))
        }
        while true {
            steps += 1
            if steps > budget { throw Exhausted(steps: steps) }
            var ok = true
            switch code[pc] {
            case .scalar(let c):
                if pos < text.count && text[pos] == c { pos += 1; pc += 1 } else { ok = false }
            case .set(let k):
                if pos < text.count && program.sets[k].contains(text[pos]) { pos += 1; pc += 1 } else { ok = false }
            case .split(let prefer, let other):
                try push(.branch, other, pos, 0)
                pc = prefer
            case .jump(let target):
                pc = target
            case .assertion(let a):
                if holds(a, at: pos) { pc += 1 } else { ok = false }
            case .look(let sub, let ahead, let negative, let lengths):
                var found = false
                if ahead {
                    found = try run(sub, at: pos, mustEndAt: nil) != nil
                } else {
                    for l in lengths where l <= pos {
                        if try run(sub, at: pos - l, mustEndAt: pos) != nil { found = true; break }
                    }
                }
                if found != negative { pc += 1 } else { ok = false }
            case .atomic(let sub):
                if let end = try run(sub, at: pos, mustEndAt: nil) { pos = end; pc += 1 } else { ok = false }
            case .loop(let k, let min, let max, let mode):
                let set = program.sets[k]
                let limit = mode == .lazy ? min : max
                var end = pos
                while end - pos < limit && end < text.count && set.contains(text[end]) { end += 1 }
                try count(end - pos)
                if end - pos < min {
                    ok = false
                } else {
                    switch mode {
                    case .greedy where end - pos > min: try push(.giveBack, pc + 1, end, pos + min)
                    case .lazy where min < max: try push(.takeMore, pc, end, min)
                    default: break
                    }
                    pos = end
                    pc += 1
                }
            case .markPosition(let slot):
                try push(.restoreSlot, slot, 0, Int(slots[slot]))
                slots[slot] = Int32(truncatingIfNeeded: pos)
                pc += 1
            case .requireProgress(let slot):
                if Int(slots[slot]) == pos { ok = false } else { pc += 1 }
            case .match:
                if required == nil || required == pos { return pos }
                ok = false
            }
            if ok { continue }
            // Backtrack to the latest alternative still open.
            var resumed = false
            while !resumed, let frame = stack.popLast() {
                steps += 1
                if steps > budget { throw Exhausted(steps: steps) }
                switch frame.kind {
                case .branch:
                    pc = Int(frame.pc); pos = Int(frame.pos); resumed = true
                case .giveBack:
                    let end = Int(frame.pos) - 1
                    if end > Int(frame.extra) { try push(.giveBack, Int(frame.pc), end, Int(frame.extra)) }
                    pc = Int(frame.pc); pos = end; resumed = true
                case .takeMore:
                    guard case .loop(let k, _, let max, _) = code[Int(frame.pc)] else { continue }
                    let at = Int(frame.pos), taken = Int(frame.extra)
                    guard taken < max, at < text.count, program.sets[k].contains(text[at]) else { continue }
                    if taken + 1 < max { try push(.takeMore, Int(frame.pc), at + 1, taken + 1) }
                    pc = Int(frame.pc) + 1; pos = at + 1; resumed = true
                case .restoreSlot:
                    slots[Int(frame.pc)] = frame.extra
                }
            }
            if !resumed { return nil }
        }
    }

    private func holds(_ assertion: RegexNode.Assertion, at pos: Int) -> Bool {
        switch assertion {
        case .lineStart: return pos == 0 || text[pos - 1] == "\n"
        case .lineEnd: return pos == text.count || text[pos] == "\n"
        case .textStart: return pos == 0
        case .textEnd: return pos == text.count
        case .textEndBeforeFinalNewline: return pos == text.count || (pos == text.count - 1 && text[pos] == "\n")
        case .wordBoundary, .notWordBoundary:
            let before = pos > 0 && UnicodeClasses.isWordCharacter(text[pos - 1])
            let after = pos < text.count && UnicodeClasses.isWordCharacter(text[pos])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}
