import Foundation
import TLCore
import TLFormats
import TLModel

/// A model in TransformerLens's canonical layout: its `HookedTransformerConfig` fields
/// and its `state_dict()` tensors. Loaded from a file, the tensors stay there, memory-mapped
/// in their stored dtype, and the forward pass reads them in place; `weights` widens them to
/// float32 arrays only for a caller that asks for them.
public struct CanonicalModel: Sendable {
    public var config: CanonicalConfig
    /// Float32 arrays: an in-memory model's tensors, or the file's once a caller set `weights`.
    private var arrays: StateDict
    /// Tensors left in the mapped file (contiguous float32, float16 or bfloat16), by name.
    private var stored: [String: Tensor]

    /// Every tensor as float32 arrays (reading this widens the mapped ones: a copy of the model).
    /// Setting it replaces the whole state dict, mapped tensors included.
    public var weights: StateDict {
        get {
            var all = arrays
            for (name, tensor) in stored where all[name] == nil {
                all[name] = FloatTensor(shape: tensor.shape, values: tensor.floats())
            }
            return all
        }
        set {
            arrays = newValue
            stored = [:]
        }
    }

    /// Names of every tensor the model holds.
    public var tensorNames: [String] { Array(Set(arrays.keys).union(stored.keys)).sorted() }

    public init(config: CanonicalConfig, weights: StateDict) {
        self.config = config
        self.arrays = weights
        self.stored = [:]
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

    /// Loads a config JSON (TransformerLens `cfg.to_dict()` keys) and a file of canonical
    /// weights. Contiguous F32, F16 and BF16 tensors stay in the file (a safetensors file is
    /// mapped, not read); others (F64, strided views of a `.pt`) are widened to float32 now.
    public static func load(config configPath: String, weights weightsPath: String) throws(TLError) -> CanonicalModel {
        let config = try loadConfig(configPath)
        let source = try CheckpointOpener.open(weightsPath)
        var model = CanonicalModel(config: config, weights: [:])
        for info in source.tensorInfos {
            guard info.dtype.isFloatingPoint else {
                throw .badFile(path: weightsPath, problem: "tensor '\(info.name)' has dtype \(info.dtype.rawValue), expected a float type")
            }
            let tensor = try source.tensor(named: info.name)
            if [.f32, .f16, .bf16].contains(tensor.dtype) && tensor.isContiguous {
                model.stored[info.name] = tensor
            } else {
                model.arrays[info.name] = tensor.float32()
            }
        }
        return model
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
    /// - Parameter releasingPages: drop each mapped weight's pages once a product has read
    ///   them, so a forward pass holds one layer's weights at a time, not the model (pages
    ///   come back from the page cache when read again). For one pass over the model (`verify`,
    ///   `run`); repeated passes on a model that fits in memory go faster without.
    public func transformer(releasingPages: Bool = true) throws(TLError) -> Transformer {
        try Transformer(config: config,
                        reader: WeightReader(arrays: arrays, stored: stored, releasesPages: releasingPages))
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
