import Foundation
import TLCore
import TLFormats

/// A model's tokenizer as TransformerLens 2.16.1 uses it: `tokenizer.json` plus the
/// BOS facts from `tokenizer_config.json` / `special_tokens_map.json` and, in a
/// directory written by `tlconvert convert`, the TL fields of `config.json`.
///
/// TransformerLens loads every tokenizer with `add_bos_token=True`. For transformers'
/// Llama, Code Llama, Gemma, GPT-NeoX and Cohere fast tokenizers that rebuilds the
/// post-processor as `[bos] $A [eos if add_eos_token]`; other classes keep the file's
/// post-processor. `tokenizer_prepends_bos` is then "encoding the empty string with
/// special tokens gives something", and `to_tokens` prepends the BOS *text* only when
/// the tokenizer does not already add it. transformers also overrides a top-level
/// ByteLevel pre-tokenizer's `add_prefix_space` with tokenizer_config.json's (default false),
/// and its `__call__` replaces the file's truncation and padding with its own arguments.
///
/// Two per-family facts of TransformerLens 2.16.1 are keyed here by config.json's
/// architecture (a converted directory's own `tokenizer_prepends_bos`/`default_prepend_bos`
/// win): Phi tokenizers are loaded slow (`use_fast=False` for names containing "phi"), and slow
/// tokenizers honour `add_bos_token`; Bloom and Qwen models default to no BOS.
public struct ModelTokenizer: Sendable {
    /// The tokenizer exactly as tokenizer.json describes it (what `tokenize` prints).
    public let tokenizer: Tokenizer
    /// The same tokenizer with the post-processor TransformerLens's `add_bos_token=True` gives it.
    let tokenizerWithBOS: Tokenizer
    /// TransformerLens's BOS string: `bos_token`, else `eos_token`, else `<|endoftext|>`.
    public let bosToken: String
    /// Whether the tokenizer itself adds BOS when asked for special tokens.
    public let tokenizerPrependsBOS: Bool
    /// `default_prepend_bos` from a converted directory's config.json (TransformerLens's default: true).
    public let defaultPrependBOS: Bool

    public var bosTokenID: Int? { tokenizer.id(of: bosToken) }

    /// Classes whose fast tokenizer rebuilds its post-processor from add_bos_token/add_eos_token.
    static let bosRebuildingClasses: Set<String> = ["LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer",
                                                    "GPTNeoXTokenizer", "CohereTokenizer"]
    /// Architectures whose tokenizer TransformerLens loads slow, so that add_bos_token=True adds BOS.
    static let slowTokenizerArchitectures: Set<String> = ["PhiForCausalLM", "Phi3ForCausalLM"]
    /// Architectures TransformerLens gives `default_prepend_bos: false`.
    static let noBOSArchitectures: Set<String> = ["BloomForCausalLM", "QWenLMHeadModel", "Qwen2ForCausalLM",
                                                  "Qwen3ForCausalLM"]
    /// transformers' tokenizer class by config.json `model_type`, when tokenizer_config.json names none.
    static let classByModelType: [String: String] = [
        "llama": "LlamaTokenizer", "mistral": "LlamaTokenizer", "mixtral": "LlamaTokenizer",
        "phi3": "LlamaTokenizer", "gemma": "GemmaTokenizer", "gemma2": "GemmaTokenizer",
        "gpt_neox": "GPTNeoXTokenizer", "cohere": "CohereTokenizer", "gpt2": "GPT2Tokenizer",
    ]

    /// `path`: a model directory (Hugging Face layout or converted) or a tokenizer.json file.
    public static func load(path: String) throws(TLError) -> ModelTokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound("\(path): no such file or directory (give a model directory or a tokenizer.json)")
        }
        let directory: String, file: String
        if isDirectory.boolValue {
            directory = path
            file = (path as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: file) else {
                throw .notFound("\(path): no tokenizer.json in this directory")
            }
        } else {
            file = path
            directory = (path as NSString).deletingLastPathComponent
        }
        let tokenizer = try Tokenizer.load(path: file)
        // A lone JSON file under another name says nothing about the files beside it.
        guard isDirectory.boolValue || (file as NSString).lastPathComponent == "tokenizer.json" else {
            return ModelTokenizer(tokenizer: tokenizer, tokenizerConfig: nil, specialTokensMap: nil, modelConfig: nil)
        }
        let tokenizerConfig = try optionalJSON(directory, "tokenizer_config.json")
        let specialTokensMap = try optionalJSON(directory, "special_tokens_map.json")
        let modelConfig = try optionalJSON(directory, "config.json")
        return ModelTokenizer(tokenizer: tokenizer, tokenizerConfig: tokenizerConfig,
                              specialTokensMap: specialTokensMap, modelConfig: modelConfig)
    }

    /// Assembles the TransformerLens view from already-read files (any may be absent).
    public init(tokenizer: Tokenizer, tokenizerConfig: JSONValue?, specialTokensMap: JSONValue?, modelConfig: JSONValue?) {
        self.tokenizer = tokenizer
        func special(_ key: String) -> String? {
            Self.tokenContent(tokenizerConfig?[key]) ?? Self.tokenContent(specialTokensMap?[key])
        }
        let bos = special("bos_token"), eos = special("eos_token")
        bosToken = bos ?? eos ?? "<|endoftext|>"

        var className = tokenizerConfig?["tokenizer_class"]?.stringValue
            ?? modelConfig?["model_type"]?.stringValue.flatMap { Self.classByModelType[$0] }
        if let name = className, name.hasSuffix("Fast") { className = String(name.dropLast(4)) }
        let architecture = modelConfig?["architectures"]?.arrayValue?.first?.stringValue
            ?? modelConfig?["original_architecture"]?.stringValue
        let loadedSlow = architecture.map(Self.slowTokenizerArchitectures.contains) ?? false
        var withBOS = tokenizer
        if loadedSlow || className.map(Self.bosRebuildingClasses.contains) == true {
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
        tokenizerPrependsBOS = modelConfig?["tokenizer_prepends_bos"]?.boolValue
            ?? !withBOS.encode("", addSpecialTokens: true).ids.isEmpty
        defaultPrependBOS = modelConfig?["default_prepend_bos"]?.boolValue
            ?? !(architecture.map(Self.noBOSArchitectures.contains) ?? false)
    }

    /// TransformerLens's `to_tokens` for one string: with `prependBOS` (default: the
    /// model's `default_prepend_bos`) the sequence starts with BOS exactly once. `maxLength`
    /// is TransformerLens's truncation to `n_ctx` (kept on the left, BOS included).
    public func toTokens(_ text: String, prependBOS: Bool? = nil, maxLength: Int? = nil) -> (ids: [Int], tokens: [String]) {
        let prepend = prependBOS ?? defaultPrependBOS
        var tokenizer = tokenizerWithBOS
        tokenizer.truncation = maxLength.map { Truncation(maxLength: $0, fromLeft: false) }
        if prepend && !tokenizerPrependsBOS {
            return tokenizer.encode(bosToken + text, addSpecialTokens: true)
        }
        let encoded = tokenizer.encode(text, addSpecialTokens: true)
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

    private static func optionalJSON(_ directory: String, _ name: String) throws(TLError) -> JSONValue? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONParser.parseFile(path)
    }
}
