import ModelConfigs
import TLCore
import TLFormats

/// A model directory: its parsed `config.json` and its weights. A Hugging Face directory's
/// weights are one safetensors file, a sharded index or `pytorch_model.bin` (as
/// `CheckpointOpener` finds them); a TransformerLens-native one's are its `*final.pth`
/// (or the `checkpoints/*_<step>.pth` asked for).
public struct HFCheckpoint: Sendable {
    public let directory: String
    public let config: HFConfig
    public let weights: any TensorSource
    /// The architecture when the directory says it other than by `architectures`
    /// (TransformerLens-native: `neel`, `neel-solu-old`, `mingpt`).
    public let architecture: String?
    /// A multimodal checkpoint's wrapper, whose language model `config` and `weights` are.
    public let wrapper: MultimodalWrapper?
    /// One line saying what of the checkpoint is not converted (a wrapper's vision tower and projector).
    public let leftOut: String?

    public init(directory: String, config: HFConfig, weights: any TensorSource, architecture: String? = nil,
                wrapper: MultimodalWrapper? = nil, leftOut: String? = nil) {
        self.directory = directory
        self.config = config
        self.weights = weights
        self.architecture = architecture
        self.wrapper = wrapper
        self.leftOut = leftOut
    }

    /// Opens `directory`: errors name the directory or the file that is missing or malformed.
    /// - Parameter checkpointValue: a TransformerLens-native training checkpoint (`*_<value>.pth`).
    public static func open(_ directory: String, checkpointValue: Int? = nil) throws(TLError) -> HFCheckpoint {
        guard FileSystem.isDirectory(directory) else {
            if FileSystem.kind(of: directory) == .missing { throw .notFound("\(directory): no such model directory") }
            throw .badFile(path: directory, problem: "expected a model directory (config.json plus weights)")
        }
        let configPath = FileSystem.join(directory, "config.json")
        guard FileSystem.isFile(configPath) else {
            throw .notFound("\(directory): no config.json (expected a Hugging Face model directory)")
        }
        let config = try HFConfig(path: configPath)
        if config.isTransformerLensNative {
            return try openNative(directory, config: config, checkpointValue: checkpointValue)
        }
        if checkpointValue != nil {
            throw .usage("\(directory): a Hugging Face directory holds one checkpoint; training checkpoints are revisions (--checkpoint-value with a Pythia or stanford-crfm name)")
        }
        if let wrapper = MultimodalWrapper.wrapper(for: config.architecture) {
            return try openLanguageModel(directory, config: config, wrapper: wrapper)
        }
        let weights = try CheckpointOpener.open(directory)
        return HFCheckpoint(directory: directory, config: config, weights: config.isMxfp4 ? try Mxfp4Weights(weights) : weights)
    }

    /// A multimodal directory: its language model (text config, language-model tensors), the rest left out.
    private static func openLanguageModel(_ directory: String, config: HFConfig,
                                          wrapper: MultimodalWrapper) throws(TLError) -> HFCheckpoint {
        let text = try wrapper.languageModelConfig(of: config)
        let weights = LanguageModelWeights(try CheckpointOpener.open(directory))
        let leftOut = "\(wrapper.family): converting the language model only; the vision tower and projector (\(weights.leftOutCount) tensors) are left out"
        return HFCheckpoint(directory: directory, config: text, weights: weights, wrapper: wrapper, leftOut: leftOut)
    }

    /// A TransformerLens-native directory: the `.pth` TransformerLens would load, read through
    /// the restricted unpickler, and the architecture tag it would give it.
    private static func openNative(_ directory: String, config: HFConfig, checkpointValue: Int?) throws(TLError) -> HFCheckpoint {
        let file = try TransformerLensNativeFiles.weights(in: TransformerLensNativeFiles.listing(of: directory),
                                                          checkpointValue: checkpointValue, source: directory)
        let weights = try CheckpointOpener.openFile(FileSystem.join(directory, file))
        let architecture = try config.transformerLensArchitecture(name: directory,
                                                                  tensorNames: weights.tensorInfos.map(\.name))
        return HFCheckpoint(directory: directory, config: config, weights: weights, architecture: architecture)
    }

    /// The architecture module for this checkpoint (unknown architectures list the supported ones).
    public func module() throws(TLError) -> ArchitectureModule {
        guard let architecture else { return try ArchitectureRegistry.module(for: config) }
        guard let module = ArchitectureRegistry.module(for: architecture) else {
            throw .unsupported("\(config.path): architecture '\(architecture)' is not supported; supported: \(ArchitectureRegistry.convertibleArchitectures.joined(separator: ", "))")
        }
        return module
    }
}
