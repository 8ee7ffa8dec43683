import TLCore

/// Byte-pair encoding: a word starts as one symbol per character (or its `<0xNN>`
/// bytes, or the unknown token) and adjacent pairs merge lowest rank first, leftmost
/// first among equal ranks, as tokenizers' `Word::merge_all` does without dropout.
struct BPEModel: Sendable {
    struct Merge: Sendable { let rank: Int; let newID: Int }
    struct Pair: Hashable, Sendable { let left: Int; let right: Int }

    let vocab: Vocabulary
    let merges: [Pair: Merge]
    /// The unknown token's id; nil when there is none (unknown characters are dropped).
    let unkID: Int?
    /// An `unk_token` missing from the vocabulary: tokenizers fails on an unknown character.
    let missingUnk: String?
    let file: String
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnk: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    static func parse(_ json: JSONFields, vocab: Vocabulary) throws(TLError) -> BPEModel {
        if let dropout = json.value["dropout"]?.doubleValue, dropout > 0 {
            throw .unsupported("\(json.file): BPE dropout \(dropout) is random; only deterministic BPE is supported")
        }
        let prefix = try json.optionalString("continuing_subword_prefix")
        var merges = [Pair: Merge]()
        let entries = try json.array("merges")
        merges.reserveCapacity(entries.count)
        for (rank, entry) in entries.enumerated() {
            let left: String, right: String
            if let line = entry.stringValue {
                // The older format: "a b", exactly one space.
                // Split on scalars: a space followed by a combining mark is one Character.
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw json.fail("merges[\(rank)]", "expected \"a b\", got \(line.debugDescription)") }
                left = String(String.UnicodeScalarView(parts[0])); right = String(String.UnicodeScalarView(parts[1]))
            } else if let pair = entry.arrayValue, pair.count == 2,
                      let a = pair[0].stringValue, let b = pair[1].stringValue {
                left = a; right = b
            } else {
                throw json.fail("merges[\(rank)]", "expected \"a b\" or [\"a\", \"b\"]")
            }
            guard let leftID = vocab[left] else { throw json.fail("merges[\(rank)]", "\(left.debugDescription) is not in the vocabulary") }
            guard let rightID = vocab[right] else { throw json.fail("merges[\(rank)]", "\(right.debugDescription) is not in the vocabulary") }
            var rightPart = Substring(right).utf8
            if let prefix, rightPart.starts(with: prefix.utf8) { rightPart = rightPart.dropFirst(prefix.utf8.count) }
            let merged = left + String(Substring(rightPart))
            guard let newID = vocab[merged] else {
                throw json.fail("merges[\(rank)]", "merged token \(merged.debugDescription) is not in the vocabulary")
            }
            merges[Pair(left: leftID, right: rightID)] = Merge(rank: rank, newID: newID)
        }
        let unk = try json.optionalString("unk_token")
        return BPEModel(vocab: vocab, merges: merges,
                        unkID: unk.flatMap { vocab[$0] },
                        missingUnk: unk.flatMap { vocab[$0] == nil ? $0 : nil },
                        file: json.file,
                        continuingSubwordPrefix: prefix,
                        endOfWordSuffix: try json.optionalString("end_of_word_suffix"),
                        fuseUnk: try json.bool("fuse_unk", default: false),
                        byteFallback: try json.bool("byte_fallback", default: false),
                        ignoreMerges: try json.bool("ignore_merges", default: false))
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocab[word] { return [Token(id: id, value: word)] }
        var symbols = try initialSymbols(word)
        mergeAll(&symbols)
        return symbols.map { Token(id: $0, value: vocab[id: $0] ?? "") }
    }

    /// One symbol per character; `<0xNN>` bytes or the unknown token for characters
    /// not in the vocabulary.
    private func initialSymbols(_ word: String) throws(TLError) -> [Int] {
        var symbols = [Int]()
        var pendingUnk: Int? = nil
        let scalars = Array(word.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            var piece = String(scalar)
            if i > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
            if i == scalars.count - 1, let suffix = endOfWordSuffix { piece += suffix }
            if let id = vocab[piece] {
                if let unk = pendingUnk { symbols.append(unk); pendingUnk = nil }
                symbols.append(id)
                continue
            }
            if byteFallback {
                let byteIDs = piece.utf8.map { vocab[Self.byteToken($0)] }
                if byteIDs.allSatisfy({ $0 != nil }) {
                    // As tokenizers does: bytes go in without flushing a pending unknown.
                    symbols.append(contentsOf: byteIDs.compactMap { $0 })
                    continue
                }
            }
            if let missingUnk {
                throw .badFile(path: file, problem: "model.unk_token: \(missingUnk.debugDescription) is not in the vocabulary, "
                               + "and \(String(scalar).debugDescription) needs it")
            }
            guard let unkID else { continue }
            if let unk = pendingUnk, !fuseUnk { symbols.append(unk) }
            pendingUnk = unkID
        }
        if let unk = pendingUnk { symbols.append(unk) }
        return symbols
    }

    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x\(hex.count == 1 ? "0" + hex : hex)>"
    }

    /// Applies merges with a min-heap of (rank, position); stale entries are skipped.
    private func mergeAll(_ ids: inout [Int]) {
        guard ids.count > 1, !merges.isEmpty else { return }
        var symbol = ids
        var next = Array(1...ids.count)      // ids.count means "none"
        var previous = Array(-1..<(ids.count - 1))
        var alive = [Bool](repeating: true, count: ids.count)
        var heap = MergeHeap()
        for i in 0..<(ids.count - 1) {
            if let m = merges[Pair(left: symbol[i], right: symbol[i + 1])] {
                heap.push(.init(rank: m.rank, position: i, newID: m.newID))
            }
        }
        while let top = heap.pop() {
            let i = top.position
            guard alive[i], next[i] < ids.count else { continue }
            let j = next[i]
            guard let m = merges[Pair(left: symbol[i], right: symbol[j])], m.newID == top.newID else { continue }
            symbol[i] = m.newID
            alive[j] = false
            next[i] = next[j]
            if next[j] < ids.count { previous[next[j]] = i }
            if previous[i] >= 0, let p = merges[Pair(left: symbol[previous[i]], right: symbol[i])] {
                heap.push(.init(rank: p.rank, position: previous[i], newID: p.newID))
            }
            if next[i] < ids.count, let n = merges[Pair(left: symbol[i], right: symbol[next[i]])] {
                heap.push(.init(rank: n.rank, position: i, newID: n.newID))
            }
        }
        ids = zip(symbol, alive).compactMap { $1 ? $0 : nil }
    }
}

/// A binary min-heap ordered by (rank, position).
struct MergeHeap {
    struct Entry { let rank: Int; let position: Int; let newID: Int }
    private var items = [Entry]()

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < items.count && Self.less(items[l], items[smallest]) { smallest = l }
                if r < items.count && Self.less(items[r], items[smallest]) { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}
