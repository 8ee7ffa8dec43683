import Foundation
import TLCore
import TLFormats
import TLModel

/// A model in TransformerLens's canonical layout: its `HookedTransformerConfig` fields
/// and its `state_dict()` tensors, widened to float32.
public struct CanonicalModel: Sendable {
    public var config: CanonicalConfig
    public var weights: StateDict

    public init(config: CanonicalConfig, weights: StateDict) {
        self.config = config
        self.weights = weights
    }

    /// Whether `path` is a directory written by `tlconvert convert`: its `config.json` holds
    /// TransformerLens keys (`d_model`), not Hugging Face ones.
    public static func isCanonicalDirectory(_ path: String) -> Bool {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard FileManager.default.fileExists(atPath: base + "/model.safetensors"),
              let json = try? JSONParser.parseFile(base + "/config.json") else { return false }
        // T5's Hugging Face config has `d_model` too; TransformerLens's always has `n_layers`.
        return json["d_model"] != nil && json["n_layers"] != nil
    }

    /// Loads a directory written by `tlconvert convert` (`config.json` + `model.safetensors`).
    public static func load(directory: String) throws(TLError) -> CanonicalModel {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return try load(config: base + "/config.json", weights: base + "/model.safetensors")
    }

    /// Loads a config JSON (TransformerLens `cfg.to_dict()` keys) and a safetensors file of
    /// canonical weights (F32, F16 or BF16; widened to float32).
    public static func load(config configPath: String, weights weightsPath: String) throws(TLError) -> CanonicalModel {
        let config = try loadConfig(configPath)
        let source = try CheckpointOpener.open(weightsPath)
        var weights = StateDict()
        for info in source.tensorInfos {
            guard info.dtype.isFloatingPoint else {
                throw .badFile(path: weightsPath, problem: "tensor '\(info.name)' has dtype \(info.dtype.rawValue), expected a float type")
            }
            weights[info.name] = try source.tensor(named: info.name).float32()
        }
        return CanonicalModel(config: config, weights: weights)
    }

    /// Reads a `HookedTransformerConfig` JSON; unknown keys are ignored, absent ones default.
    public static func loadConfig(_ path: String) throws(TLError) -> CanonicalConfig {
        // Parse with json-c first: its errors name the problem precisely.
        let json = try JSONParser.parseFile(path)
        if json["d_model"] == nil, json["model_type"] != nil || json["architectures"] != nil {
            throw .badFile(path: path, problem: "is a Hugging Face config, not a TransformerLens one (convert the model with `tlconvert convert` first)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badFile(path: path, problem: "cannot read")
        }
        do {
            return try JSONDecoder().decode(CanonicalConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badFile(path: path, problem: "missing config key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badFile(path: path, problem: "config key '\(key)' has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badFile(path: path, problem: "config key '\(key)': \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badFile(path: path, problem: "config key '\(key)' is null")
        } catch {
            throw .badFile(path: path, problem: "not a TransformerLens config (\(error))")
        }
    }

    /// The forward pass over these weights.
    public func transformer() throws(TLError) -> Transformer {
        try Transformer(config: config, weights: weights)
    }
}

extension CanonicalModel {
    /// The encoder-decoder forward pass over these weights (T5).
    public func encoderDecoder() throws(TLError) -> EncoderDecoderTransformer {
        try EncoderDecoderTransformer(config: config, weights: weights)
    }

    /// The encoder forward pass over these weights (a `HookedEncoder` config).
    public func encoder() throws(TLError) -> Encoder {
        try Encoder(config: config, weights: weights)
    }
}
