import TLCore

/// Hugging Face architecture string → the module that converts it.
public enum ArchitectureRegistry {
    /// Every family, in the order `list` shows them.
    public static let modules: [ArchitectureModule] = [
        .gpt2, .gptNeo, .gptJ, .gptNeoX, .opt, .bloom, .llama, .mistral, .mixtral,
        .qwen2, .qwen3, .phi, .phi3, .gemma, .gemma2, .gemma3, .olmo, .olmo2, .olmo3, .olmoe, .gptOss, .apertus, .qwenV1,
        .santaCoder, .neel, .neelSoluOld, .minGPT, .t5, .bert, .bertModel,
    ]

    /// Every supported architecture string.
    public static var architectures: [String] { modules.flatMap(\.architectures) }

    /// Every architecture string `convert` accepts: the families' and the multimodal wrappers'
    /// (whose language model converts).
    public static var convertibleArchitectures: [String] {
        architectures + MultimodalWrapper.wrappers.flatMap(\.architectures)
    }

    /// The module of `architecture`, or of the language model a multimodal wrapper holds by default
    /// (for what does not need the config: tokenizer facts of a converted directory).
    public static func module(forConverted architecture: String) -> ArchitectureModule? {
        module(for: architecture) ?? MultimodalWrapper.wrapper(for: architecture)
            .flatMap { TextModelTypes.architecture(for: $0.defaultTextModelType) }.flatMap(module(for:))
    }

    /// The module for `architecture`, or nil.
    public static func module(for architecture: String) -> ArchitectureModule? {
        modules.first { $0.architectures.contains(architecture) }
    }

    /// The module for a config's `architectures[0]`; an unknown or missing one is an
    /// error that lists what is supported.
    public static func module(for config: HFConfig) throws(TLError) -> ArchitectureModule {
        guard let architecture = config.architecture else {
            throw .unsupported("\(config.path): no 'architectures' entry; supported: \(convertibleArchitectures.joined(separator: ", "))")
        }
        guard let module = module(for: architecture) else {
            throw .unsupported("\(config.path): architecture '\(architecture)' is not supported; supported: \(convertibleArchitectures.joined(separator: ", "))")
        }
        return module
    }
}
