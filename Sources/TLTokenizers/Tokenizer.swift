import Foundation
import TLCore
import TLFormats

/// A Hugging Face `tokenizer.json`, run the way the `tokenizers` library runs it:
/// added tokens are cut out of the raw text, the rest is normalized, pre-tokenized
/// into words, and each word goes through the model (BPE or WordPiece); special tokens
/// are added only when asked. Ids and token strings equal `Tokenizer.encode` there.
public struct Tokenizer: Sendable {
    let model: TokenizerModel
    let addedVocabulary: AddedVocabulary
    let normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var postProcessor: PostProcessor?
    let decoder: Decoder?
    var truncation: Truncation?
    var padding: Padding?
    /// The tokenizer.json this came from, named in errors.
    public let path: String

    /// Reads a `tokenizer.json`. Unsupported component types are `TLError.unsupported`
    /// naming the type; malformed files are `TLError.badFile`.
    public static func load(path: String) throws(TLError) -> Tokenizer {
        try Tokenizer(json: try JSONParser.parseFile(path), path: path)
    }

    public init(json: JSONValue, path: String) throws(TLError) {
        self.path = path
        let root = JSONFields(json, place: "", file: path)
        guard json.objectMembers != nil else { throw .badFile(path: path, problem: "expected a JSON object (tokenizer.json)") }
        if let version = json["version"]?.stringValue, version != "1.0" {
            throw .unsupported("\(path): unknown tokenizer.json version '\(version)'")
        }
        guard root.has("model") else { throw .badFile(path: path, problem: "no \"model\": not a tokenizer.json") }
        model = try TokenizerModel.parse(try root.object("model"))
        normalizer = root.has("normalizer") ? try Normalizer.parse(try root.object("normalizer")) : nil
        preTokenizer = root.has("pre_tokenizer") ? try PreTokenizer.parse(try root.object("pre_tokenizer")) : nil
        postProcessor = root.has("post_processor") ? try PostProcessor.parse(try root.object("post_processor")) : nil
        decoder = root.has("decoder") ? try Decoder.parse(try root.object("decoder")) : nil
        truncation = root.has("truncation") ? try Truncation.parse(try root.object("truncation")) : nil
        padding = root.has("padding") ? try Padding.parse(try root.object("padding")) : nil
        addedVocabulary = try AddedVocabulary(json: root, model: model, normalizer: normalizer)
    }

    /// The ids and token strings of `text`. With `addSpecialTokens`, the post-processor's
    /// special tokens (e.g. BERT's `[CLS] … [SEP]`, Llama's `<s>`) surround the sequence.
    /// A file whose patterns or normalizers blow up on this text (catastrophic backtracking,
    /// a chain of growing normalizers) is `TLError.badFile` naming it.
    public func encode(_ text: String, addSpecialTokens: Bool = false) throws(TLError) -> (ids: [Int], tokens: [String]) {
        var tokens = [Token]()
        for segment in try addedVocabulary.extract(text, normalizer: normalizer, file: path) {
            switch segment {
            case .token(let token):
                tokens.append(token)
            case .text(let piece):
                let words = try preTokenizer?.preTokenize([piece]) ?? [piece]
                for word in words where !word.text.isEmpty {
                    tokens.append(contentsOf: try model.tokenize(word.text))
                }
            }
        }
        let processor = addSpecialTokens ? postProcessor : nil
        if let truncation { tokens = try truncation.apply(tokens, reserving: processor?.addedCount ?? 0, file: path) }
        if let processor { tokens = processor.process(tokens) }
        if let padding { tokens = padding.apply(tokens) }
        return (tokens.map(\.id), tokens.map(\.value))
    }

    /// The text of `ids`. Like `tokenizers`' `decode`, special tokens are skipped unless
    /// `skipSpecialTokens` is false; unknown ids are ignored.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        let tokens = ids.compactMap { id -> String? in
            guard let token = token(of: id) else { return nil }
            return skipSpecialTokens && addedVocabulary.isSpecial(token) ? nil : token
        }
        return decoder?.decode(tokens) ?? tokens.joined(separator: " ")
    }

    /// The id of a token string (added tokens first, then the model's vocabulary).
    public func id(of token: String) -> Int? {
        addedVocabulary.id(of: token) ?? model.vocab[token]
    }

    /// The token string of an id (added tokens first, then the model's vocabulary).
    public func token(of id: Int) -> String? {
        addedVocabulary.content(of: id) ?? model.vocab[id: id]
    }

    /// Whether `token` is an added token marked special (skipped by `decode`).
    public func isSpecialToken(_ token: String) -> Bool {
        addedVocabulary.isSpecial(token)
    }

    /// One more than the largest id, counting added tokens.
    public var vocabularySize: Int {
        let modelMax = model.vocab.tokens.keys.max() ?? -1
        let addedMax = addedVocabulary.entries.keys.max() ?? -1
        return max(modelMax, addedMax) + 1
    }
}
