import TLCore

/// One token of an encoding: its id and its text as the tokenizer reports it.
struct Token: Sendable {
    let id: Int
    let value: String
}

/// tokenizer.json's `model`: turns one pre-tokenized word into tokens.
enum TokenizerModel: Sendable {
    case bpe(BPEModel)
    case wordPiece(WordPieceModel)
    case wordLevel(WordLevelModel)
    case unigram(UnigramModel)
    /// Not a tokenizer.json model: a tiktoken rank file (Qwen v1's `qwen.tiktoken`).
    case tiktoken(TiktokenModel)

    static func parse(_ json: JSONFields) throws(TLError) -> TokenizerModel {
        // tokenizers infers a BPE model from its fields when `type` is absent (older files).
        let type = json.value["type"]?.stringValue ?? (json.has("merges") ? "BPE" : "")
        switch type {
        case "BPE": return .bpe(try BPEModel.parse(json, vocab: try vocabulary(json)))
        case "WordPiece": return .wordPiece(try WordPieceModel.parse(json, vocab: try vocabulary(json)))
        case "WordLevel": return .wordLevel(try WordLevelModel.parse(json, vocab: try vocabulary(json)))
        case "Unigram": return .unigram(try UnigramModel.parse(json))
        default:
            throw .unsupported("\(json.file): unsupported tokenizer model type '\(type.isEmpty ? "(none)" : type)'")
        }
    }

    private static func vocabulary(_ json: JSONFields) throws(TLError) -> Vocabulary {
        guard let members = json.value["vocab"]?.objectMembers else { throw json.fail("vocab", "expected an object of token → id") }
        var vocab = Vocabulary()
        for (token, idValue) in members {
            guard let id = idValue.intValue, (0...Int(UInt32.max)).contains(id) else {
                throw json.fail("vocab", "id of \(token.debugDescription) is not an integer in 0...2^32-1")
            }
            vocab.set(token, id)
        }
        return vocab
    }

    var vocab: Vocabulary {
        switch self {
        case .bpe(let m): return m.vocab
        case .wordPiece(let m): return m.vocab
        case .wordLevel(let m): return m.vocab
        case .unigram(let m): return m.vocab
        case .tiktoken(let m): return m.vocab
        }
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        switch self {
        case .bpe(let m): return try m.tokenize(word)
        case .wordPiece(let m): return try m.tokenize(word)
        case .wordLevel(let m): return try m.tokenize(word)
        case .unigram(let m): return try m.tokenize(word)
        case .tiktoken(let m): return try m.tokenize(word)
        }
    }
}
