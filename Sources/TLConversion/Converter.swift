import Foundation
import ModelConfigs
import TLCore
import TLFormats
import TLModel

/// What a finished conversion wrote.
public struct ConversionResult: Sendable {
    public let outputDirectory: String
    /// The config written to `config.json` (after processing).
    public let config: CanonicalConfig
    public let tensorCount: Int
    public let bytes: Int
}

/// Streams a Hugging Face checkpoint into a TransformerLens model directory:
/// the output header is planned from the config, then each `WeightGroup` is mapped,
/// processed, checked against the plan, encoded, written, and its input pages released.
public struct Converter: Sendable {
    /// Element type of the written tensors (`--dtype`).
    public var dtype: DType
    /// Processing applied group by group; nil writes the raw conversion.
    public var processing: (any GroupProcessing)?
    /// The flags behind `processing`, recorded in the output's `__metadata__`.
    public var options: ProcessingOptions
    /// Replace an existing output directory (`--force`).
    public var force: Bool
    /// The source revision, recorded in the metadata.
    public var revision: String?

    /// Tokenizer files copied to the output when the source has them (CONTRACT.md).
    public static let tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "vocab.json", "merges.txt", "tokenizer.model"]

    public init(dtype: DType = .f32, processing: (any GroupProcessing)? = nil, options: ProcessingOptions = .none,
                force: Bool = false, revision: String? = nil) {
        self.dtype = dtype
        self.processing = processing
        self.options = options
        self.force = force
        self.revision = revision
    }

    /// The canonical config of a checkpoint before processing, with `dtype` as this converter writes.
    public func canonicalConfig(of checkpoint: HFCheckpoint, modelID: String) throws(TLError) -> CanonicalConfig {
        var config = try checkpoint.module().canonicalConfig(from: checkpoint.config, modelID: modelID, dtype: dtype)
        // HookedTransformer loads `tokenizer_name` on construction: name no tokenizer that is not there.
        if !Converter.tokenizerFiles.contains(where: { FileSystem.isFile(FileSystem.join(checkpoint.directory, $0)) }) {
            config.tokenizerName = nil
        }
        return config
    }

    /// Converts `checkpoint` into the directory `output`.
    /// - Parameters:
    ///   - modelID: the source's repo id or path (TransformerLens's `tokenizer_name`; metadata `source`).
    ///   - progress: called with one human-readable line per step.
    public func convert(_ checkpoint: HFCheckpoint, modelID: String, to output: String,
                        progress: (String) -> Void = { _ in }) throws(TLError) -> ConversionResult {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw .usage("--dtype must be float32, float16 or bfloat16")
        }
        let module = try checkpoint.module()
        let config = try canonicalConfig(of: checkpoint, modelID: modelID)
        let outputConfig = try processing?.outputConfig(for: config) ?? config
        let mapper = try WeightMapper(module: module, config: config, checkpoint: checkpoint)
        let plan = CanonicalLayout.parameters(for: outputConfig)
        progress("\(module.family): \(config.nLayers) layers, d_model \(config.dModel), \(plan.count) tensors → \(output)")

        let directory = try OutputDirectory(target: output, replace: force)
        let writer = try SafeTensorsWriter(path: directory.path("model.safetensors"), tensors: plan,
                                           metadata: metadata(modelID: modelID, module: module))
        var bytes = 0
        for group in WeightGroup.all(layers: config.nLayers) {
            var weights = try mapper.map(group)
            try processing?.process(group, weights: &weights, config: config)
            let expected = CanonicalLayout.parameters(for: outputConfig, group: group)
            if let extra = weights.keys.sorted().first(where: { name in !expected.contains { $0.name == name } }) {
                throw .badTensor(name: extra, problem: "produced for \(group) but not a TransformerLens parameter of the output config")
            }
            for info in expected {
                guard let tensor = weights[info.name] else {
                    throw .badTensor(name: info.name, problem: "not produced for \(group)")
                }
                guard tensor.shape == info.shape else {
                    throw .badTensor(name: info.name, problem: "has shape \(tensor.shape), the plan says \(info.shape)")
                }
                try write(tensor, as: info, to: writer)
                weights[info.name] = nil
                bytes += info.byteCount
            }
            for name in mapper.fileNames(for: group) { checkpoint.weights.releasePages(of: name) }
            if case .block(let l) = group { progress("  block \(l + 1)/\(config.nLayers) written") }
        }
        try writer.finish()
        try writeFileAtomically(try Converter.configJSON(outputConfig), to: directory.path("config.json"))
        for name in Converter.tokenizerFiles {
            let source = FileSystem.join(checkpoint.directory, name)
            if FileSystem.isFile(source) { try directory.copy(source, as: name) }
        }
        try directory.commit()
        progress("wrote \(output) (\(plan.count) tensors, \(bytes) bytes of \(dtype.torchName))")
        return ConversionResult(outputDirectory: directory.target, config: outputConfig, tensorCount: plan.count, bytes: bytes)
    }

    /// Writes float32 straight from the working buffer; narrower types are encoded first.
    private func write(_ tensor: FloatTensor, as info: TensorInfo, to writer: SafeTensorsWriter) throws(TLError) {
        guard info.dtype == .f32 else { return try writer.write(name: info.name, values: tensor) }
        try tensor.values.withUnsafeBytes { bytes in
            Result { () throws(TLError) in try writer.write(name: info.name, bytes: bytes) }
        }.get()
    }

    /// `__metadata__` of the output: format, source, revision, every processing flag, version.
    func metadata(modelID: String, module: ArchitectureModule) -> [String: String] {
        var meta = ["format": "transformer_lens", "source": modelID, "revision": revision ?? "",
                    "architecture": module.family, "tlconvert_version": TLConvertVersion.string,
                    "dtype": dtype.torchName]
        for (flag, enabled) in options.flagValues { meta[flag] = enabled ? "true" : "false" }
        return meta
    }

    /// `config.json`: every HookedTransformerConfig field in TransformerLens's order, pretty-printed.
    public static func configJSON(_ config: CanonicalConfig) throws(TLError) -> String {
        do {
            return JSONWriter.string(try JSONValueEncoder.encode(config), pretty: true) + "\n"
        } catch {
            throw .output(path: "config.json", problem: "cannot encode the config (\(error))")
        }
    }
}
