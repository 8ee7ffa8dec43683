import TLCore

/// Hugging Face architecture string → the module that converts it.
public enum ArchitectureRegistry {
    /// Every family, in the order `list` shows them.
    public static let modules: [ArchitectureModule] = [
        .gpt2, .gptNeo, .gptJ, .gptNeoX, .opt, .bloom, .llama, .mistral, .mixtral,
        .qwen2, .qwen3, .phi, .phi3, .gemma, .gemma2, .gemma3, .neel, .neelSoluOld, .minGPT,
    ]

    /// Every supported architecture string.
    public static var architectures: [String] { modules.flatMap(\.architectures) }

    /// The module for `architecture`, or nil.
    public static func module(for architecture: String) -> ArchitectureModule? {
        modules.first { $0.architectures.contains(architecture) }
    }

    /// The module for a config's `architectures[0]`; an unknown or missing one is an
    /// error that lists what is supported.
    public static func module(for config: HFConfig) throws(TLError) -> ArchitectureModule {
        guard let architecture = config.architecture else {
            throw .unsupported("\(config.path): no 'architectures' entry; supported: \(architectures.joined(separator: ", "))")
        }
        guard let module = module(for: architecture) else {
            throw .unsupported("\(config.path): architecture '\(architecture)' is not supported; supported: \(architectures.joined(separator: ", "))")
        }
        return module
    }
}
