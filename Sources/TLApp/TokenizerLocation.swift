import ModelConfigs
import TLCore
import TLFormats
import TLForward
import TLHub
import TLModel
import TLTokenizers

/// Where a model's tokenizer files are. A Hugging Face checkpoint or a converted directory holds
/// them; a TransformerLens-native toy model's repo holds none and names the tokenizer it was
/// trained with (`tokenizer_name`: GPT-NeoX's or GPT-2's), which TransformerLens downloads — so
/// do we: that repo's tokenizer files alone, through the Hugging Face cache.
public enum TokenizerLocation {
    /// The folder to load the tokenizer of the model in `directory` (with config `config`) from.
    public static func directory(model directory: String, config: CanonicalConfig, offline: Bool = false) throws(TLError) -> String {
        if ModelTokenizer.hasTokenizer(in: directory) { return directory }
        guard let name = config.tokenizerName, !name.isEmpty, !FileSystem.isDirectory(name),
              ModelResolver.isRepoID(name) || !name.contains("/") else { return directory }
        return try ModelResolver().tokenizerDirectory(repo: name, offline: offline)
    }

    /// The same for a path `tokenize` was given: a model directory without `tokenizer.json`
    /// whose config (converted or TransformerLens-native) names one; any other path as it is.
    public static func directory(forPath path: String, offline: Bool = false) throws(TLError) -> String {
        let configPath = FileSystem.join(path, "config.json")
        guard FileSystem.isDirectory(path), !ModelTokenizer.hasTokenizer(in: path),
              FileSystem.isFile(configPath) else { return path }
        if CanonicalModel.isCanonicalDirectory(path) {
            return try directory(model: path, config: try CanonicalModel.loadConfig(configPath), offline: offline)
        }
        let hf = try HFConfig(path: configPath)
        guard hf.isTransformerLensNative else { return path }
        return try directory(model: path, config: try hf.transformerLensNativeConfig(), offline: offline)
    }
}
