/// A parsed pattern compiled to instructions for `RegexMatcher`, a backtracking machine with the
/// priorities of Oniguruma (leftmost alternative first, greedy/lazy/possessive repeats).
struct RegexProgram: Sendable {
    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case set(Int)
        /// Try `prefer` first; on failure resume at `other` from the same position.
        case split(prefer: Int, other: Int)
        case jump(Int)
        case assertion(RegexNode.Assertion)
        /// A lookaround body (its own program); behind, the body's possible lengths.
        case look(program: Int, ahead: Bool, negative: Bool, lengths: [Int])
        /// An atomic body (its own program): its first match is kept, never retried.
        case atomic(program: Int)
        /// A repeat of one scalar class, run as a counted loop (one backtrack entry, not one per scalar).
        case loop(set: Int, min: Int, max: Int, RegexNode.Mode)
        /// Around the body of an unbounded repeat that can match empty: no empty iterations.
        case markPosition(slot: Int)
        case requireProgress(slot: Int)
        case match
    }

    /// Larger expansions of `{n,m}` are refused (a pattern bomb, not a tokenizer).
    static let maxInstructions = 200_000

    private(set) var programs: [[Instruction]] = []
    private(set) var sets: [ScalarSet] = []
    private(set) var slotCount = 0
    /// Scalars every match contains (literals outside any optional part): a text without
    /// one of them past the search start has no match, without trying (as Oniguruma's
    /// exact-string optimisation spares it `(a|aa)*c` on "aaaa…").
    private(set) var requiredScalars: [Unicode.Scalar] = []
    private var size = 0

    struct Failure: Error { let message: String }

    init(_ root: RegexNode) throws(Failure) {
        _ = try subprogram(root)
        requiredScalars = Self.required(root)
    }

    private static func required(_ node: RegexNode) -> [Unicode.Scalar] {
        switch node {
        case .scalar(let c): return [c]
        case .concat(let items): return items.flatMap(required)
        case .repetition(let body, let min, _, _) where min > 0: return required(body)
        case .atomic(let body): return required(body)
        default: return []
        }
    }

    /// Compiles `node` followed by `match` as a program of its own; returns its index.
    private mutating func subprogram(_ node: RegexNode) throws(Failure) -> Int {
        let index = programs.count
        programs.append([])
        var code = [Instruction]()
        try emit(node, into: &code)
        code.append(.match)
        programs[index] = code
        return index
    }

    private mutating func append(_ instruction: Instruction, to code: inout [Instruction]) throws(Failure) {
        size += 1
        guard size <= Self.maxInstructions else {
            throw Failure(message: "pattern too large once its repeats are expanded (over \(Self.maxInstructions) steps)")
        }
        code.append(instruction)
    }

    private mutating func addSet(_ set: ScalarSet) -> Int {
        sets.append(set.withASCIITable())
        return sets.count - 1
    }

    private mutating func emit(_ node: RegexNode, into code: inout [Instruction]) throws(Failure) {
        switch node {
        case .empty:
            break
        case .scalar(let c):
            try append(.scalar(c), to: &code)
        case .set(let s):
            try append(.set(addSet(s)), to: &code)
        case .concat(let items):
            for item in items { try emit(item, into: &code) }
        case .alternation(let branches):
            var exits = [Int]()
            for (k, branch) in branches.enumerated() {
                let isLast = k == branches.count - 1
                let split = code.count
                if !isLast { try append(.jump(-1), to: &code) }
                try emit(branch, into: &code)
                if !isLast {
                    exits.append(code.count)
                    try append(.jump(-1), to: &code)
                    code[split] = .split(prefer: split + 1, other: code.count)
                }
            }
            for e in exits { code[e] = .jump(code.count) }
        case .repetition(let body, let min, let max, let mode):
            try emitRepetition(body, min: min, max: max, mode: mode, into: &code)
        case .look(let body, let ahead, let negative):
            var lengths = [0]
            if !ahead {
                guard let fixed = Self.lengths(body) else {
                    throw Failure(message: "lookbehind of unbounded or too varied length")
                }
                lengths = fixed
            }
            try append(.look(program: try subprogram(body), ahead: ahead, negative: negative, lengths: lengths), to: &code)
        case .atomic(let body):
            try append(.atomic(program: try subprogram(body)), to: &code)
        case .assertion(let a):
            try append(.assertion(a), to: &code)
        }
    }

    private mutating func emitRepetition(_ body: RegexNode, min: Int, max: Int?, mode: RegexNode.Mode,
                                         into code: inout [Instruction]) throws(Failure) {
        if let set = Self.singleScalar(body) {
            try append(.loop(set: addSet(set), min: min, max: max ?? Int.max, mode), to: &code)
            return
        }
        if mode == .possessive {
            let inner = try subprogram(.repetition(body, min: min, max: max, .greedy))
            try append(.atomic(program: inner), to: &code)
            return
        }
        for _ in 0..<min { try emit(body, into: &code) }
        if let max {
            // Each optional copy: split to the body or past every remaining copy.
            var splits = [Int]()
            for _ in min..<max {
                splits.append(code.count)
                try append(.jump(-1), to: &code)
                try emit(body, into: &code)
            }
            for s in splits {
                code[s] = mode == .lazy ? .split(prefer: code.count, other: s + 1) : .split(prefer: s + 1, other: code.count)
            }
            return
        }
        let top = code.count
        try append(.jump(-1), to: &code)
        let slot: Int? = Self.canBeEmpty(body) ? slotCount : nil
        if let slot {
            slotCount += 1
            try append(.markPosition(slot: slot), to: &code)
        }
        try emit(body, into: &code)
        if let slot { try append(.requireProgress(slot: slot), to: &code) }
        try append(.jump(top), to: &code)
        code[top] = mode == .lazy ? .split(prefer: code.count, other: top + 1) : .split(prefer: top + 1, other: code.count)
    }

    /// The class a one-scalar body accepts (a literal becomes a one-scalar set).
    private static func singleScalar(_ node: RegexNode) -> ScalarSet? {
        switch node {
        case .scalar(let c): return .of(.range(c.value...c.value))
        case .set(let s): return s
        default: return nil
        }
    }

    private static func canBeEmpty(_ node: RegexNode) -> Bool {
        switch node {
        case .empty, .look, .assertion: return true
        case .scalar, .set: return false
        case .concat(let items): return items.allSatisfy(canBeEmpty)
        case .alternation(let branches): return branches.contains(where: canBeEmpty)
        case .repetition(let body, let min, _, _): return min == 0 || canBeEmpty(body)
        case .atomic(let body): return canBeEmpty(body)
        }
    }

    /// Every length (in scalars) `node` can match, when there are few; nil when unbounded.
    static func lengths(_ node: RegexNode) -> [Int]? {
        func combine(_ a: [Int], _ b: [Int]) -> [Int]? {
            let sums = Set(a.flatMap { x in b.map { x + $0 } })
            return sums.count <= 64 ? sums.sorted() : nil
        }
        switch node {
        case .empty, .look, .assertion: return [0]
        case .scalar, .set: return [1]
        case .concat(let items):
            var total = [0]
            for item in items {
                guard let l = lengths(item), let t = combine(total, l) else { return nil }
                total = t
            }
            return total
        case .alternation(let branches):
            var all = Set<Int>()
            for b in branches {
                guard let l = lengths(b) else { return nil }
                all.formUnion(l)
            }
            return all.count <= 64 ? all.sorted() : nil
        case .repetition(let body, let min, let max, _):
            guard let max, max - min <= 64, let l = lengths(body) else { return nil }
            var out = Set<Int>()
            var current = [0]
            for count in 0...max {
                if count >= min { out.formUnion(current) }
                guard count < max else { break }
                guard let next = combine(current, l) else { return nil }
                current = next
            }
            return out.count <= 64 ? out.sorted() : nil
        case .atomic(let body): return lengths(body)
        }
    }
}
