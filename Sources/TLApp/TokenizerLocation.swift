import TLCore
import TLFormats
import TLHub
import TLModel

/// Where a model's tokenizer files are. A Hugging Face checkpoint or a converted directory holds
/// them; a TransformerLens-native toy model's repo holds none and names the tokenizer it was
/// trained with (`tokenizer_name`: GPT-NeoX's or GPT-2's), which TransformerLens downloads — so
/// do we: that repo's tokenizer files alone, through the Hugging Face cache.
public enum TokenizerLocation {
    public static func directory(model directory: String, config: CanonicalConfig, offline: Bool = false) throws(TLError) -> String {
        if FileSystem.isFile(FileSystem.join(directory, "tokenizer.json")) { return directory }
        guard let name = config.tokenizerName, ModelResolver.isRepoID(name) || !name.contains("/") && !name.isEmpty,
              !FileSystem.isDirectory(name) else { return directory }
        return try ModelResolver().tokenizerDirectory(repo: name, offline: offline)
    }
}
