import TLCore

/// BERT's WordPiece: greedy longest match from the left, continuation pieces carry
/// the `##` prefix; a word with any unmatched remainder, or too long, is `[UNK]`.
struct WordPieceModel: Sendable {
    let vocab: Vocabulary
    let unk: UnknownToken
    let prefix: String
    let maxInputCharsPerWord: Int
    /// No vocabulary entry is longer (in scalars): longer candidates need no lookup.
    let longestEntry: Int

    /// tokenizers requires all four fields of the model.
    static func parse(_ json: JSONFields, vocab: Vocabulary) throws(TLError) -> WordPieceModel {
        WordPieceModel(vocab: vocab, unk: try UnknownToken(json, vocab: vocab),
                       prefix: try json.string("continuing_subword_prefix"),
                       maxInputCharsPerWord: try json.int("max_input_chars_per_word"),
                       longestEntry: vocab.tokens.values.map(\.unicodeScalars.count).max() ?? 0)
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        if word.isEmpty { return [] }
        let scalars = Array(word.unicodeScalars)
        if scalars.count > maxInputCharsPerWord { return [try unk.token(for: word)] }
        let prefixLength = prefix.unicodeScalars.count
        var tokens = [Token]()
        var start = 0
        while start < scalars.count {
            // Candidates longer than the longest entry cannot be in the vocabulary.
            var end = min(scalars.count, start + max(0, longestEntry - (start > 0 ? prefixLength : 0)))
            var found: Token? = nil
            while start < end {
                var candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { candidate = prefix + candidate }
                if let id = vocab[candidate] { found = Token(id: id, value: candidate); break }
                end -= 1
            }
            guard let token = found else { return [try unk.token(for: word)] }
            tokens.append(token)
            start = end
        }
        return tokens
    }
}

/// A model's `unk_token`. tokenizers loads a file whose unknown token is not in the vocabulary,
/// and fails only when a word needs it; so does this.
struct UnknownToken: Sendable {
    let content: String
    let id: Int?
    let file: String

    init(_ json: JSONFields, vocab: Vocabulary) throws(TLError) {
        content = try json.string("unk_token")
        id = vocab[content]
        file = json.file
    }

    func token(for word: String) throws(TLError) -> Token {
        guard let id else {
            throw .badFile(path: file, problem: "model.unk_token: \(content.debugDescription) is not in the vocabulary, "
                           + "and \(String(word.prefix(40)).debugDescription) needs it")
        }
        return Token(id: id, value: content)
    }
}

/// A plain word → id lookup, the unknown token for anything else.
struct WordLevelModel: Sendable {
    let vocab: Vocabulary
    let unk: UnknownToken

    static func parse(_ json: JSONFields, vocab: Vocabulary) throws(TLError) -> WordLevelModel {
        WordLevelModel(vocab: vocab, unk: try UnknownToken(json, vocab: vocab))
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        if let id = vocab[word] { return [Token(id: id, value: word)] }
        return [try unk.token(for: word)]
    }
}
