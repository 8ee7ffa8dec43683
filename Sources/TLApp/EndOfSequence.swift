import TLCore
import TLFormats
import TLTokenizers

/// The token ids that end generation, found where transformers' `generate` finds them:
/// `generation_config.json`'s `eos_token_id` (an id or a list; the file, when present, decides),
/// else `config.json`'s (or its `text_config`'s, for a multimodal wrapper). A converted directory
/// holds the source's `generation_config.json` when the source had one (convert copies it); one
/// with neither (converted from a source without it, or TransformerLens-native) uses its
/// tokenizer's `eos_token`, as TransformerLens's `generate` does.
public enum EndOfSequence {
    /// - Parameters:
    ///   - directory: the model's directory; `tokenizerDirectory`: where its tokenizer files are.
    public static func ids(directory: String, tokenizerDirectory: String, tokenizer: ModelTokenizer) throws(TLError) -> Set<Int> {
        let generation = FileSystem.join(directory, "generation_config.json")
        if FileSystem.isFile(generation) {
            return try ids(in: try JSONParser.parseFile(generation)["eos_token_id"], file: generation)
        }
        let config = FileSystem.join(directory, "config.json")
        if FileSystem.isFile(config) {
            let json = try JSONParser.parseFile(config)
            if let value = json["eos_token_id"] ?? json["text_config"]?["eos_token_id"] {
                return try ids(in: value, file: config)
            }
        }
        return Set(tokenizerEOS(directory: tokenizerDirectory, tokenizer: tokenizer).map { [$0] } ?? [])
    }

    /// `eos_token_id`: null, an id, or a list of ids.
    static func ids(in value: JSONValue?, file: String) throws(TLError) -> Set<Int> {
        guard let value, !value.isNull else { return [] }
        let items = value.arrayValue ?? [value]
        var ids = Set<Int>()
        for item in items {
            guard let id = item.intValue, id >= 0 else {
                throw .badFile(path: file, problem: "eos_token_id holds \(item.kindDescription), expected token ids")
            }
            ids.insert(id)
        }
        return ids
    }

    /// The id of `eos_token` in tokenizer_config.json or special_tokens_map.json.
    private static func tokenizerEOS(directory: String, tokenizer: ModelTokenizer) -> Int? {
        for name in ["tokenizer_config.json", "special_tokens_map.json"] {
            let path = FileSystem.join(directory, name)
            guard FileSystem.isFile(path), let json = try? JSONParser.parseFile(path) else { continue }
            let entry = json["eos_token"]
            if let content = entry?.stringValue ?? entry?["content"]?.stringValue, !content.isEmpty,
               let id = tokenizer.tokenizer.id(of: content) {
                return id
            }
        }
        return nil
    }
}
