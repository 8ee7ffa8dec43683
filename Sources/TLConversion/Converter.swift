import Foundation
import ModelConfigs
import TLCore
import TLFormats
import TLModel
import TLProcessing

/// What a finished conversion wrote.
public struct ConversionResult: Sendable {
    public let outputDirectory: String
    /// The config written to `config.json` (after processing).
    public let config: CanonicalConfig
    public let tensorCount: Int
    public let bytes: Int
}

/// Streams a Hugging Face checkpoint into a TransformerLens model directory:
/// the output header is planned from the config, then each `WeightGroup` is mapped
/// (gathered from the mapped file, its pages then released), processed, checked against
/// the plan, and handed to a writer thread that encodes and writes it at its offset while
/// the next group is mapped. The blocks go through the calling thread in order; the embed
/// and unembed groups, the largest, go through an `EmbeddingLane` beside them. Output
/// arrays are recycled through a `FloatBufferPool`.
public struct Converter: Sendable {
    /// Element type of the written tensors (`--dtype`).
    public var dtype: DType
    /// Processing applied group by group (its flags are recorded in the output's `__metadata__`).
    public var processing: any GroupProcessing
    /// Replace an existing output directory (`--force`).
    public var force: Bool
    /// The source revision, recorded in the metadata.
    public var revision: String?
    /// Whether the source's tokenizer adds BOS itself, when the caller has loaded it:
    /// TransformerLens recomputes `tokenizer_prepends_bos` from the tokenizer it loads, so the
    /// written config says what that tokenizer says, not what the family's config derivation guessed.
    public var tokenizerPrependsBOS: Bool?
    /// The training checkpoint being converted (`--checkpoint-index` / `--checkpoint-value`),
    /// recorded in the config as TransformerLens records it.
    public var trainingCheckpoint: TrainingCheckpoint?

    /// Tokenizer files copied to the output when the source has them (CONTRACT.md).
    public static let tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "vocab.json", "merges.txt", "tokenizer.model", "qwen.tiktoken"]
    /// transformers' generation defaults (its `eos_token_id`), copied with the tokenizer files so
    /// that `generate` on the output stops where transformers stops on the source.
    public static let generationConfigFile = "generation_config.json"
    /// Every source file copied unchanged to the output when present.
    static var copiedFiles: [String] { tokenizerFiles + [generationConfigFile] }

    /// A converter applying TransformerLens's processing steps for `processing`.
    public init(dtype: DType = .f32, processing: ProcessingOptions = .none, force: Bool = false, revision: String? = nil) {
        self.init(dtype: dtype, processor: ProcessingPipeline(options: processing), force: force, revision: revision)
    }

    /// A converter applying any group-by-group processing.
    public init(dtype: DType = .f32, processor: any GroupProcessing, force: Bool = false, revision: String? = nil) {
        self.dtype = dtype
        self.processing = processor
        self.force = force
        self.revision = revision
    }

    /// The canonical config of a checkpoint before processing, with `dtype` as this converter writes.
    public func canonicalConfig(of checkpoint: HFCheckpoint, modelID: String) throws(TLError) -> CanonicalConfig {
        var config = try checkpoint.module().canonicalConfig(from: checkpoint.config, modelID: modelID, dtype: dtype)
        // HookedTransformer loads `tokenizer_name` on construction: name no tokenizer that is not
        // there, and no path on this machine (a converted directory holds its tokenizer files and
        // must keep working when the source moves). A Hub repo id stays: it resolves anywhere.
        let hasTokenizer = Converter.tokenizerFiles.contains { FileSystem.isFile(FileSystem.join(checkpoint.directory, $0)) }
        // A TransformerLens-native config names another repo's tokenizer: that name stays.
        if config.tokenizerName == modelID && (!hasTokenizer || modelID.hasPrefix("/")) {
            config.tokenizerName = nil
        }
        // Only HookedTransformer records it (HookedEncoder / HookedEncoderDecoder leave it None).
        if let tokenizerPrependsBOS, config.modelClass == .hookedTransformer { config.tokenizerPrependsBOS = tokenizerPrependsBOS }
        if let trainingCheckpoint {
            config.fromCheckpoint = true
            config.checkpointIndex = trainingCheckpoint.index
            config.checkpointValue = trainingCheckpoint.value
            config.checkpointLabelType = trainingCheckpoint.labelType
        }
        return config
    }

    /// Converts `checkpoint` into the directory `output`.
    /// - Parameters:
    ///   - modelID: the source's repo id or path (TransformerLens's `tokenizer_name`; metadata `source`).
    ///   - progress: called with one human-readable line per step, and a `note:` line for each
    ///     requested processing step that does not apply to this model.
    public func convert(_ checkpoint: HFCheckpoint, modelID: String, to output: String,
                        progress: (String) -> Void = { _ in }) throws(TLError) -> ConversionResult {
        do {
            return try SingleThreadedBLAS.run { () throws(TLError) in
                try streamConversion(checkpoint, modelID: modelID, to: output, progress: progress)
            }
        } catch {
            throw OutputDirectory.naming(error, target: output)
        }
    }

    private func streamConversion(_ checkpoint: HFCheckpoint, modelID: String, to output: String,
                                  progress: (String) -> Void) throws(TLError) -> ConversionResult {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw .usage("--dtype must be float32, float16 or bfloat16")
        }
        let module = try checkpoint.module()
        let config = try canonicalConfig(of: checkpoint, modelID: modelID)
        let processing = try self.processing.prepare(for: config)
        let outputConfig = processing.outputConfig
        let mapper = try WeightMapper(module: module, config: config, checkpoint: checkpoint)
        let plan = CanonicalLayout.parameters(for: outputConfig)
        progress("\(module.family): \(config.nLayers) layers, d_model \(config.dModel), \(plan.count) tensors → \(output)")
        if let leftOut = checkpoint.leftOut { progress("note: \(leftOut)") }
        if let headless = EncoderNotes.headless(config) { progress("note: \(headless)") }
        for notice in processing.notices { progress("note: \(notice)") }

        let directory = try OutputDirectory(target: output, replace: force, guarding: OutputPath.Guarded.model(
            checkpoint.directory, role: "the source model", wholeFolder: true))
        let groups = WeightGroup.all(for: config)
        let blocks = groups.filter { if case .block = $0 { return true } else { return false } }
        let ends = groups.filter { !blocks.contains($0) }
        let bytesOf = { (group: WeightGroup) in
            CanonicalLayout.parameters(for: outputConfig, group: group).reduce(0) { $0 + 4 * $1.elementCount }
        }
        let blockBytes = blocks.map(bytesOf).max() ?? 0
        // Room for the largest end group's arrays (the unembed reuses the embed's) and three
        // blocks' (one being mapped and processed, one queued, one being written).
        let pool = FloatBufferPool(capacity: (ends.map(bytesOf).max() ?? 0) + 3 * blockBytes)
        let file = try SafeTensorsWriter(path: directory.path("model.safetensors"), tensors: plan,
                                         metadata: metadata(modelID: modelID, module: module, applied: processing.applied))
        let writer = BackgroundWriter(writer: file, pool: pool, limit: blockBytes)
        let lane = EmbeddingLane(groups: ends) { group throws(TLError) in
            var weights = try mapper.map(group, pool: pool)
            try processing.process(group, weights: &weights)
            try Converter.emit(group, &weights, plan: CanonicalLayout.parameters(for: outputConfig, group: group)) {
                tensor, info throws(TLError) in try writer.enqueueOutsideLimit(tensor, as: info)
            }
            // Written (and back in the pool) before the next group maps: the unembed reuses them.
            try writer.waitForOutside()
        }
        var finished = false
        defer {
            if !finished {
                lane.cancel()
                try? writer.stop()
            }
        }
        // The blocks are mapped and processed here, each while the writer writes the one before.
        for group in blocks {
            var weights = try mapper.map(group, pool: pool)
            try processing.process(group, weights: &weights)
            try Converter.emit(group, &weights, plan: CanonicalLayout.parameters(for: outputConfig, group: group)) {
                tensor, info throws(TLError) in try writer.enqueue(tensor, as: info)
            }
            try lane.check()
            if case .block(let l) = group { progress("  block \(l + 1)/\(blocks.count) converted") }
        }
        try lane.wait()
        try writer.stop()
        finished = true  // only now: a failed lane must still stop the writer thread
        try file.finish()
        let bytes = plan.reduce(0) { $0 + $1.byteCount }
        try writeFileAtomically(try Converter.configJSON(outputConfig), to: directory.path("config.json"))
        let record = ConversionRecord(modelID: modelID, revision: revision,
                                      files: ConversionRecord.sourceFiles(of: checkpoint, tokenizerFiles: Converter.copiedFiles),
                                      directory: checkpoint.directory, dtype: dtype, requested: self.processing.options,
                                      applied: processing.applied, notices: processing.notices)
        try writeFileAtomically(try record.json(), to: directory.path(ConversionRecord.fileName))
        for name in Converter.copiedFiles {
            let source = FileSystem.join(checkpoint.directory, name)
            if FileSystem.isFile(source) { try directory.copy(source, as: name) }
        }
        try directory.commit()
        progress("wrote \(output) (\(plan.count) tensors, \(bytes) bytes of \(dtype.torchName))")
        return ConversionResult(outputDirectory: directory.target, config: outputConfig, tensorCount: plan.count, bytes: bytes)
    }

    /// Hands a processed group's tensors to `body` in plan order, after checking that the
    /// group produced exactly the planned names and shapes, and values the output dtype holds.
    private static func emit(_ group: WeightGroup, _ weights: inout StateDict, plan: [TensorInfo],
                             _ body: (FloatTensor, TensorInfo) throws(TLError) -> Void) throws(TLError) {
        if let extra = weights.keys.sorted().first(where: { name in !plan.contains { $0.name == name } }) {
            throw .badTensor(name: extra, problem: "produced for \(group) but not a TransformerLens parameter of the output config")
        }
        for info in plan {
            guard let tensor = weights.removeValue(forKey: info.name) else {
                throw .badTensor(name: info.name, problem: "not produced for \(group)")
            }
            guard tensor.shape == info.shape else {
                throw .badTensor(name: info.name, problem: "has shape \(tensor.shape), the plan says \(info.shape)")
            }
            // Float32 output is checked by the writer as it writes (see TensorEncoder).
            if info.dtype != .f32 { try WritableValues.check(tensor.values, name: info.name, dtype: info.dtype) }
            try body(tensor, info)
        }
    }

    /// `__metadata__` of the output: format, source, revision, every processing flag as applied
    /// to this model (a flag TransformerLens skips for it, as centring for RMSNorm, is false), version.
    func metadata(modelID: String, module: ArchitectureModule, applied: ProcessingOptions) -> [String: String] {
        let meta = ["format": "transformer_lens", "source": modelID, "revision": revision ?? "",
                    "architecture": module.family, "tlconvert_version": TLConvertVersion.string,
                    "dtype": dtype.torchName]
        return meta.merging(applied.metadata) { _, flag in flag }
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
