import TLCore

/// BERT's WordPiece: greedy longest match from the left, continuation pieces carry
/// the `##` prefix; a word with any unmatched remainder, or too long, is `[UNK]`.
struct WordPieceModel: Sendable {
    let vocab: Vocabulary
    let unkToken: String
    let unkID: Int
    let prefix: String
    let maxInputCharsPerWord: Int

    static func parse(_ json: JSONFields, vocab: Vocabulary) throws(TLError) -> WordPieceModel {
        let unk = try json.optionalString("unk_token") ?? "[UNK]"
        guard let unkID = vocab[unk] else { throw json.fail("unk_token", "\(unk.debugDescription) is not in the vocabulary") }
        return WordPieceModel(vocab: vocab, unkToken: unk, unkID: unkID,
                              prefix: try json.optionalString("continuing_subword_prefix") ?? "##",
                              maxInputCharsPerWord: try json.int("max_input_chars_per_word", default: 100))
    }

    func tokenize(_ word: String) -> [Token] {
        if word.isEmpty { return [] }
        let scalars = Array(word.unicodeScalars)
        if scalars.count > maxInputCharsPerWord { return [Token(id: unkID, value: unkToken)] }
        var tokens = [Token]()
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Token? = nil
            while start < end {
                var candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { candidate = prefix + candidate }
                if let id = vocab[candidate] { found = Token(id: id, value: candidate); break }
                end -= 1
            }
            guard let token = found else { return [Token(id: unkID, value: unkToken)] }
            tokens.append(token)
            start = end
        }
        return tokens
    }
}

/// A plain word → id lookup, the unknown token for anything else.
struct WordLevelModel: Sendable {
    let vocab: Vocabulary
    let unk: Token?

    static func parse(_ json: JSONFields, vocab: Vocabulary) throws(TLError) -> WordLevelModel {
        let unk = try json.optionalString("unk_token").flatMap { t in vocab[t].map { Token(id: $0, value: t) } }
        return WordLevelModel(vocab: vocab, unk: unk)
    }

    func tokenize(_ word: String) -> [Token] {
        if let id = vocab[word] { return [Token(id: id, value: word)] }
        return unk.map { [$0] } ?? []
    }
}
