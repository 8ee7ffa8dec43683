import Foundation
import TLCore
import TLFormats

/// What a model's own configuration says about its tokenizer, beyond the tokenizer files:
/// the family's facts (its architecture declaration) and the model's `default_prepend_bos`.
public struct TokenizerFacts: Sendable, Equatable {
    /// transformers' tokenizer class to assume when tokenizer_config.json names none
    /// (transformers picks it by the model type).
    public var fallbackClass: String?
    /// TransformerLens loads this family's tokenizer slow (`use_fast=False`), and slow
    /// tokenizers honour `add_bos_token`.
    public var loadsSlow: Bool
    /// TransformerLens's `default_prepend_bos` for the model.
    public var defaultPrependBOS: Bool

    public init(fallbackClass: String? = nil, loadsSlow: Bool = false, defaultPrependBOS: Bool = true) {
        self.fallbackClass = fallbackClass
        self.loadsSlow = loadsSlow
        self.defaultPrependBOS = defaultPrependBOS
    }

    /// A tokenizer known by its files alone.
    public static let generic = TokenizerFacts()
}

/// A model's tokenizer as TransformerLens 2.16.1 uses it: `tokenizer.json` plus the
/// BOS facts from `tokenizer_config.json` / `special_tokens_map.json` and the model's
/// `TokenizerFacts`.
///
/// TransformerLens loads every tokenizer with `add_bos_token=True`. For transformers'
/// Llama, Code Llama, Gemma, GPT-NeoX and Cohere fast tokenizers that rebuilds the
/// post-processor as `[bos] $A [eos if add_eos_token]`; other classes keep the file's
/// post-processor. `tokenizer_prepends_bos` is then "encoding the empty string with
/// special tokens gives something" (TransformerLens recomputes it whenever it loads a
/// tokenizer, whatever the config said), and `to_tokens` prepends the BOS *text* only when
/// the tokenizer does not already add it. transformers also overrides a top-level
/// ByteLevel pre-tokenizer's `add_prefix_space` with tokenizer_config.json's (default false),
/// and its `__call__` replaces the file's truncation and padding with its own arguments.
public struct ModelTokenizer: Sendable {
    /// The tokenizer exactly as tokenizer.json describes it (what `tokenize` prints).
    public let tokenizer: Tokenizer
    /// The same tokenizer with the post-processor TransformerLens's `add_bos_token=True` gives it.
    let tokenizerWithBOS: Tokenizer
    /// TransformerLens's BOS string: `bos_token`, else `eos_token`, else `<|endoftext|>`.
    public let bosToken: String
    /// Whether the tokenizer itself adds BOS when asked for special tokens.
    public let tokenizerPrependsBOS: Bool
    /// The model's `default_prepend_bos` (TransformerLens's default: true).
    public let defaultPrependBOS: Bool

    public var bosTokenID: Int? { tokenizer.id(of: bosToken) }

    /// Classes whose fast tokenizer rebuilds its post-processor from add_bos_token/add_eos_token.
    static let bosRebuildingClasses: Set<String> = ["LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer",
                                                    "GPTNeoXTokenizer", "CohereTokenizer"]

    /// `path`: a model directory (Hugging Face layout or converted) or a tokenizer.json file;
    /// `facts`: what the model's configuration adds.
    public static func load(path: String, facts: TokenizerFacts = .generic) throws(TLError) -> ModelTokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound("\(path): no such file or directory (give a model directory or a tokenizer.json)")
        }
        let directory: String, file: String
        if isDirectory.boolValue {
            directory = path
            file = (path as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: file) else {
                let qwen = (path as NSString).appendingPathComponent(QwenTiktoken.fileName)
                if FileManager.default.fileExists(atPath: qwen) { return try qwenTiktoken(path: qwen, facts: facts) }
                if let tiktoken = tiktokenFile(in: path) {
                    throw .unsupported("\(path): the tokenizer is a tiktoken file (\(tiktoken)) of a tokenizer other than Qwen's qwen.tiktoken, which tlconvert does not read; it needs a tokenizer.json (convert and verify work without one)")
                }
                if (try? optionalJSON(path, "tokenizer_config.json"))??["tokenizer_class"]?.stringValue == "QWenTokenizer" {
                    throw .notFound("\(path): the tokenizer is QWenTokenizer, and its \(QwenTiktoken.fileName) is missing")
                }
                throw .notFound("\(path): no tokenizer.json in this directory")
            }
        } else {
            file = path
            directory = (path as NSString).deletingLastPathComponent
            if (path as NSString).lastPathComponent == QwenTiktoken.fileName { return try qwenTiktoken(path: path, facts: facts) }
        }
        let tokenizer = try Tokenizer.load(path: file)
        // A lone JSON file under another name says nothing about the files beside it.
        guard isDirectory.boolValue || (file as NSString).lastPathComponent == "tokenizer.json" else {
            return try ModelTokenizer(tokenizer: tokenizer, tokenizerConfig: nil, specialTokensMap: nil, facts: facts)
        }
        return try ModelTokenizer(tokenizer: tokenizer, tokenizerConfig: try optionalJSON(directory, "tokenizer_config.json"),
                              specialTokensMap: try optionalJSON(directory, "special_tokens_map.json"), facts: facts)
    }

    /// Qwen v1's tokenizer from its rank file. `QWenTokenizer` has no BOS or EOS token and adds
    /// nothing around a sequence; TransformerLens then names `<|endoftext|>` its BOS (a special
    /// token the text may hold) and prepends that text when asked.
    static func qwenTiktoken(path: String, facts: TokenizerFacts) throws(TLError) -> ModelTokenizer {
        try ModelTokenizer(tokenizer: try Tokenizer.qwenTiktoken(path: path), tokenizerConfig: nil, specialTokensMap: nil,
                           facts: TokenizerFacts(fallbackClass: nil, loadsSlow: false, defaultPrependBOS: facts.defaultPrependBOS))
    }

    /// Whether `directory` holds tokenizer files `load` reads (tokenizer.json or qwen.tiktoken).
    public static func hasTokenizer(in directory: String) -> Bool {
        ["tokenizer.json", QwenTiktoken.fileName].contains {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// Assembles the TransformerLens view from already-read files (any may be absent).
    public init(tokenizer: Tokenizer, tokenizerConfig: JSONValue?, specialTokensMap: JSONValue?,
                facts: TokenizerFacts = .generic) throws(TLError) {
        self.tokenizer = tokenizer
        func special(_ key: String) -> String? {
            Self.tokenContent(tokenizerConfig?[key]) ?? Self.tokenContent(specialTokensMap?[key])
        }
        let bos = special("bos_token"), eos = special("eos_token")
        bosToken = bos ?? eos ?? "<|endoftext|>"

        var className = tokenizerConfig?["tokenizer_class"]?.stringValue ?? facts.fallbackClass
        if let name = className, name.hasSuffix("Fast") { className = String(name.dropLast(4)) }
        var withBOS = tokenizer
        if facts.loadsSlow || className.map(Self.bosRebuildingClasses.contains) == true {
            let addEOS = tokenizerConfig?["add_eos_token"]?.boolValue ?? false
            func token(_ content: String?) -> Token? {
                guard let content, let id = tokenizer.id(of: content) else { return nil }
                return Token(id: id, value: content)
            }
            withBOS.postProcessor = .bosEOS(bos: token(bos), eos: addEOS ? token(eos) : nil)
        }
        let addPrefixSpace = tokenizerConfig?["add_prefix_space"]?.boolValue ?? false
        if case .byteLevel(let current, let useRegex, let regex) = withBOS.preTokenizer, current != addPrefixSpace {
            withBOS.preTokenizer = .byteLevel(addPrefixSpace: addPrefixSpace, useRegex: useRegex, regex: regex)
        }
        // transformers' __call__ replaces the file's truncation and padding with its own arguments.
        withBOS.truncation = nil
        withBOS.padding = nil
        tokenizerWithBOS = withBOS
        tokenizerPrependsBOS = !(try withBOS.encode("", addSpecialTokens: true)).ids.isEmpty
        defaultPrependBOS = facts.defaultPrependBOS
    }

    /// TransformerLens's `to_tokens` for one string: with `prependBOS` (default: the
    /// model's `default_prepend_bos`) the sequence starts with BOS exactly once. `maxLength`
    /// is TransformerLens's truncation to `n_ctx` (kept on the left, BOS included).
    public func toTokens(_ text: String, prependBOS: Bool? = nil,
                         maxLength: Int? = nil) throws(TLError) -> (ids: [Int], tokens: [String]) {
        let prepend = prependBOS ?? defaultPrependBOS
        var tokenizer = tokenizerWithBOS
        tokenizer.truncation = maxLength.map { Truncation(maxLength: $0, fromLeft: false) }
        if prepend && !tokenizerPrependsBOS {
            return try tokenizer.encode(bosToken + text, addSpecialTokens: true)
        }
        let encoded = try tokenizer.encode(text, addSpecialTokens: true)
        if !prepend && tokenizerPrependsBOS && !encoded.ids.isEmpty {
            return (Array(encoded.ids.dropFirst()), Array(encoded.tokens.dropFirst()))
        }
        return encoded
    }

    /// TransformerLens's `to_str_tokens` for ids: each id decoded alone, special tokens kept.
    public func strTokens(_ ids: [Int]) -> [String] {
        ids.map { tokenizer.decode([$0], skipSpecialTokens: false) }
    }

    /// A special token as tokenizer_config.json writes it: a string or `{"content": …}`.
    static func tokenContent(_ value: JSONValue?) -> String? {
        if let s = value?.stringValue { return s.isEmpty ? nil : s }
        if let s = value?["content"]?.stringValue { return s.isEmpty ? nil : s }
        return nil
    }

    /// A tiktoken vocabulary other than qwen.tiktoken in `directory`, if any.
    private static func tiktokenFile(in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().first(where: { $0.hasSuffix(".tiktoken") })
    }

    private static func optionalJSON(_ directory: String, _ name: String) throws(TLError) -> JSONValue? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONParser.parseFile(path)
    }
}
