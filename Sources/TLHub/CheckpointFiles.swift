import Foundation
import TLCore
import TLFormats

/// The files conversion needs from a Hugging Face repo, named the way
/// `transformers` names them: the config, one weight format, the tokenizer.
/// Nothing else is fetched (no TF/Flax/ONNX/Rust copies, no READMEs).
public enum CheckpointFiles {
    public static let config = "config.json"

    /// Weight layouts in the order `transformers` tries them.
    public static let weightChoices: [(file: String, sharded: Bool)] = [
        ("model.safetensors", false),
        ("model.safetensors.index.json", true),
        ("pytorch_model.bin", false),
        ("pytorch_model.bin.index.json", true),
    ]

    /// transformers' generation defaults, fetched when the repo has them.
    public static let generationConfig = "generation_config.json"

    public static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "vocab.json", "merges.txt", "tokenizer.model", "qwen.tiktoken",
    ]

    /// What to fetch from a repo holding `siblings`.
    struct Plan: Equatable {
        /// The single weight file, or the index whose shards follow.
        var weights: String
        var sharded: Bool
        var tokenizer: [String]
    }

    /// - Parameter checkpointValue: a TransformerLens-native repo's training checkpoint.
    static func plan(repo: String, siblings: [String], checkpointValue: Int? = nil) throws(TLError) -> Plan {
        let present = Set(siblings)
        guard present.contains(config) else {
            throw .notFound("\(repo): the repo has no config.json, so it is not a Hugging Face transformers checkpoint")
        }
        // TransformerLens-native (NeelNanda's toy models): config.json and a *final.pth.
        let hasTransformersWeights = weightChoices.contains { present.contains($0.file) }
        if checkpointValue != nil || (!hasTransformersWeights && TransformerLensNativeFiles.finalWeights(in: siblings) != nil) {
            let weights = try TransformerLensNativeFiles.weights(in: siblings, checkpointValue: checkpointValue, source: repo)
            return Plan(weights: weights, sharded: false, tokenizer: tokenizerFiles.filter { present.contains($0) })
        }
        guard let weights = weightChoices.first(where: { present.contains($0.file) }) else {
            let others = siblings.filter { $0.hasSuffix(".h5") || $0.hasSuffix(".msgpack") || $0.hasSuffix(".onnx")
                || $0.hasSuffix(".ot") || $0.hasSuffix(".pth") || $0.hasSuffix(".safetensors") || $0.hasSuffix(".bin") }
            let held = others.isEmpty ? "" : " (it holds: " + others.prefix(6).joined(separator: ", ") + ")"
            throw .unsupported("\(repo): no model.safetensors or pytorch_model.bin weights, single or sharded\(held)")
        }
        return Plan(weights: weights.file, sharded: weights.sharded, tokenizer: tokenizerFiles.filter { present.contains($0) })
    }

    /// The shard files a sharded index lists in its `weight_map`, in first-use order.
    /// Each must be a plain file name (an index is input: no paths out of the folder).
    static func shards(ofIndex path: String) throws(TLError) -> [String] {
        let index = try JSONParser.parseFile(path)
        guard let map = index["weight_map"]?.objectMembers, !map.isEmpty else {
            throw .badFile(path: path, problem: "no weight_map in the sharded index")
        }
        var seen = Set<String>()
        var shards: [String] = []
        for member in map {
            guard let file = member.value.stringValue else {
                throw .badFile(path: path, problem: "weight_map entry '\(member.key)' is not a file name")
            }
            guard isPlainFileName(file) else {
                throw .badFile(path: path, problem: "shard '\(file)' is not a plain file name")
            }
            if seen.insert(file).inserted { shards.append(file) }
        }
        return shards
    }

    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\\") && name != "." && name != ".."
    }

    /// What a directory lacks to be converted: empty when it holds `config.json` and
    /// a complete set of weights in one of the layouts; otherwise one phrase per gap.
    /// - Parameter checkpointValue: a TransformerLens-native training checkpoint that must be there.
    public static func missing(in directory: String, checkpointValue: Int? = nil) -> [String] {
        let manager = FileManager.default
        func has(_ file: String) -> Bool { manager.fileExists(atPath: directory + "/" + file) }
        var gaps: [String] = []
        if !has(config) { gaps.append(config) }
        let native = TransformerLensNativeFiles.listing(of: directory)
        if checkpointValue != nil || TransformerLensNativeFiles.finalWeights(in: native) != nil {
            if (try? TransformerLensNativeFiles.weights(in: native, checkpointValue: checkpointValue, source: directory)) == nil {
                gaps.append(checkpointValue.map { "checkpoints/*_\($0).pth" } ?? "*final.pth")
            }
            return gaps
        }
        var shardGaps: [String]?
        for choice in weightChoices where has(choice.file) {
            guard choice.sharded else { shardGaps = []; break }
            guard let shards = try? Self.shards(ofIndex: directory + "/" + choice.file) else { continue }
            let absent = shards.filter { !has($0) }
            if absent.isEmpty { shardGaps = []; break }
            if shardGaps == nil { shardGaps = absent.map { "\($0) (listed in \(choice.file))" } }
        }
        gaps += shardGaps ?? ["weights (model.safetensors, pytorch_model.bin, or a sharded index with its shards)"]
        return gaps
    }
}
