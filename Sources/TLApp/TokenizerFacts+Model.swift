import Foundation
import ModelConfigs
import TLCore
import TLFormats
import TLForward
import TLModel
import TLTokenizers

extension TokenizerFacts {
    /// The facts of a loaded model: its family's declaration (by `original_architecture`)
    /// and its `default_prepend_bos`.
    public init(config: CanonicalConfig) {
        let declaration = config.originalArchitecture.flatMap(ArchitectureRegistry.module(forConverted:))?.tokenizer
        self.init(fallbackClass: declaration?.fallbackClass, loadsSlow: declaration?.loadsSlow ?? false,
                  defaultPrependBOS: config.defaultPrependBOS)
    }

    /// The facts for the model whose tokenizer is at `path` (a model directory, or a
    /// `tokenizer.json` beside a `config.json`): read from a converted directory's
    /// TransformerLens config or derived from a Hugging Face config of a known family;
    /// a tokenizer without a model config, or of a family tlconvert does not convert, has
    /// only its files.
    public static func forModel(at path: String) throws(TLError) -> TokenizerFacts {
        let directory: String
        switch FileSystem.kind(of: path) {
        case .directory: directory = path
        case .file where ["tokenizer.json", "qwen.tiktoken"].contains((path as NSString).lastPathComponent): directory = FileSystem.directory(of: path)
        default: return .generic
        }
        let configPath = FileSystem.join(directory, "config.json")
        guard FileSystem.isFile(configPath) else { return .generic }
        if CanonicalModel.isCanonicalDirectory(directory) {
            return TokenizerFacts(config: try CanonicalModel.loadConfig(configPath))
        }
        let hf = try HFConfig(path: configPath).languageModel()
        if hf.isTransformerLensNative { return TokenizerFacts(config: try hf.transformerLensNativeConfig()) }
        guard let module = hf.architecture.flatMap(ArchitectureRegistry.module(for:)) else { return .generic }
        return TokenizerFacts(config: try module.canonicalConfig(from: hf, modelID: directory))
    }
}

extension ModelTokenizer {
    /// The tokenizer of the model in `directory`, with the model's facts; nil when the
    /// directory has neither tokenizer.json nor qwen.tiktoken.
    public static func ofModel(at directory: String) throws(TLError) -> ModelTokenizer? {
        guard ModelTokenizer.hasTokenizer(in: directory) else { return nil }
        return try load(path: directory, facts: try TokenizerFacts.forModel(at: directory))
    }
}
