import TLCore

/// SentencePiece's Unigram model (T5) as `tokenizers` runs it: the segmentation of a word
/// into vocabulary pieces with the highest total log-probability (Viterbi over UTF-8 bytes).
/// A character no piece starts with is unknown, scored `min score − 10`; neighbouring unknowns
/// fuse into one. With byte fallback an unknown piece becomes its `<0xNN>` byte tokens when
/// all exist.
struct UnigramModel: Sendable {
    let vocab: Vocabulary
    private let pieces: PieceTrie
    let unkID: Int?
    let byteFallback: Bool
    private let unknownScore: Double
    let file: String

    /// tokenizers' penalty below the lowest piece score for an unknown character.
    private static let unknownPenalty = 10.0

    static func parse(_ json: JSONFields) throws(TLError) -> UnigramModel {
        guard let entries = json.value["vocab"]?.arrayValue else {
            throw json.fail("vocab", "expected a list of [piece, score] pairs")
        }
        var vocab = Vocabulary()
        var pieces = PieceTrie()
        var lowest = Double.infinity
        for (id, entry) in entries.enumerated() {
            guard let pair = entry.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                  let score = pair[1].doubleValue, score.isFinite else {
                throw json.fail("vocab", "entry \(id) is not a [piece, score] pair")
            }
            vocab.set(piece, id)
            pieces.insert(Array(piece.utf8), id: id, score: score)
            lowest = min(lowest, score)
        }
        let unkID = try json.optionalInt("unk_id")
        if let unkID, !(0..<entries.count).contains(unkID) {
            throw json.fail("unk_id", "\(unkID) is outside the vocabulary (\(entries.count) pieces)")
        }
        return UnigramModel(vocab: vocab, pieces: pieces, unkID: unkID, byteFallback: try json.bool("byte_fallback", default: false),
                            unknownScore: (entries.isEmpty ? 0 : lowest) - unknownPenalty, file: json.file)
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        var tokens = [Token]()
        for piece in try segment(word) {
            if let id = vocab[piece] {
                tokens.append(Token(id: id, value: piece))
                continue
            }
            if byteFallback {
                let bytes = piece.utf8.map { BPEModel.byteToken($0) }
                let ids = bytes.map { vocab[$0] }
                if ids.allSatisfy({ $0 != nil }) {
                    for (id, token) in zip(ids, bytes) { if let id { tokens.append(Token(id: id, value: token)) } }
                    continue
                }
            }
            guard let unkID else {
                throw .badFile(path: file, problem: "model: \(piece.debugDescription) is not in the vocabulary and there is no unk_id")
            }
            // The unknown token keeps the text it stands for, as tokenizers reports it.
            tokens.append(Token(id: unkID, value: piece))
        }
        return tokens
    }

    /// The best segmentation of `word` into strings (pieces, or fused unknown runs).
    private func segment(_ word: String) throws(TLError) -> [String] {
        let bytes = Array(word.utf8)
        let n = bytes.count
        if n == 0 { return [] }
        // Per end position: the best path's score, where its last piece starts, and that piece's id.
        var score = [Double](repeating: 0, count: n + 1)
        var start = [Int?](repeating: nil, count: n + 1)
        var id = [Int](repeating: 0, count: n + 1)
        var from = 0
        while from < n {
            let charLength = Self.utf8Length(bytes[from])
            let base = score[from]
            var coversChar = false
            // Every piece that starts here, shortest first (the work is bounded by the trie, not the pieces' lengths).
            pieces.forEachMatch(in: bytes, from: from) { length, piece in
                let end = from + length
                let candidate = piece.score + base
                if start[end] == nil || candidate > score[end] {
                    score[end] = candidate
                    start[end] = from
                    id[end] = piece.id
                }
                if length == charLength { coversChar = true }
            }
            if !coversChar {
                guard let unkID else {
                    throw .badFile(path: file, problem: "model: no piece covers \(String(decoding: bytes[from..<min(from + charLength, n)], as: UTF8.self).debugDescription) and there is no unk_id")
                }
                let end = min(from + charLength, n)
                let candidate = unknownScore + base
                if start[end] == nil || candidate > score[end] {
                    score[end] = candidate
                    start[end] = from
                    id[end] = unkID
                }
            }
            from += charLength
        }
        // Back from the end; runs of unknowns are fused.
        var out = [String]()
        var unknownRun = [String]()
        var end = n
        while end > 0 {
            guard let begin = start[end] else { break }
            let text = String(decoding: bytes[begin..<end], as: UTF8.self)
            if id[end] == unkID {
                unknownRun.append(text)
            } else {
                if !unknownRun.isEmpty { out.append(unknownRun.reversed().joined()); unknownRun = [] }
                out.append(text)
            }
            end = begin
        }
        if !unknownRun.isEmpty { out.append(unknownRun.reversed().joined()) }
        return out.reversed()
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: return 1
        case 0xC0..<0xE0: return 2
        case 0xE0..<0xF0: return 3
        default: return 4
        }
    }
}

/// The pieces' UTF-8 bytes as a trie, for the pieces that prefix a position.
private struct PieceTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var pieces: [(id: Int, score: Double)?] = [nil]

    /// Later entries win, as tokenizers' map from piece to id does.
    mutating func insert(_ bytes: [UInt8], id: Int, score: Double) {
        var node = 0
        for byte in bytes {
            if let next = children[node][byte] {
                node = Int(next)
            } else {
                children.append([:])
                pieces.append(nil)
                children[node][byte] = Int32(children.count - 1)
                node = children.count - 1
            }
        }
        pieces[node] = (id, score)
    }

    func forEachMatch(in bytes: [UInt8], from start: Int, _ body: (Int, (id: Int, score: Double)) -> Void) {
        var node = 0
        var i = start
        while i < bytes.count, let next = children[node][bytes[i]] {
            node = Int(next)
            i += 1
            if let piece = pieces[node] { body(i - start, piece) }
        }
    }
}
