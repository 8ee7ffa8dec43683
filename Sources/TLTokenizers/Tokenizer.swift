import Foundation
import TLCore
import TLFormats

/// Ids, token strings and type ids (the segment each token belongs to) of one encoding.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    public var tokens: [String]
    public var typeIDs: [Int]
}

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
        let encoding = try encode(text, pair: nil, addSpecialTokens: addSpecialTokens)
        return (encoding.ids, encoding.tokens)
    }

    /// One text or a sentence pair, with type ids, as `tokenizers`' `encode(text, pair)`: with
    /// `addSpecialTokens` the post-processor's template (BERT: `[CLS] A [SEP] B [SEP]`, type ids
    /// 0 then 1); without, A then B with type ids 0 and 1.
    public func encode(_ text: String, pair: String?, addSpecialTokens: Bool) throws(TLError) -> Encoding {
        let processor = addSpecialTokens ? postProcessor : nil
        var typed: PostProcessor.TypedTokens
        if let pair {
            if truncation != nil {
                throw .unsupported("\(path): truncating a sentence pair is not supported (the file sets truncation)")
            }
            if let processor, !processor.handlesPairs {
                throw .unsupported("\(path): the post-processor has no template for a sentence pair")
            }
            let a = PostProcessor.TypedTokens(try pieces(text), typeID: 0)
            let b = PostProcessor.TypedTokens(try pieces(pair), typeID: 1)
            if let processor {
                typed = processor.process(a, pair: b)
            } else {
                typed = a
                typed.append(b)
            }
        } else {
            var tokens = try pieces(text)
            if let truncation { tokens = try truncation.apply(tokens, reserving: processor?.addedCount ?? 0, file: path) }
            typed = PostProcessor.TypedTokens(tokens, typeID: 0)
            if let processor { typed = processor.process(typed, pair: nil) }
        }
        if let padding {
            // Padding tokens take type id 0 (`pad_type_id`'s default).
            let padded = padding.apply(typed.tokens)
            let fill = [Int](repeating: 0, count: padded.count - typed.tokens.count)
            typed.typeIDs = padding.padLeft ? fill + typed.typeIDs : typed.typeIDs + fill
            typed.tokens = padded
        }
        return Encoding(ids: typed.tokens.map(\.id), tokens: typed.tokens.map(\.value), typeIDs: typed.typeIDs)
    }

    /// The model's tokens of `text` (added tokens cut out first), before any post-processing.
    private func pieces(_ text: String) throws(TLError) -> [Token] {
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
        return tokens
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
