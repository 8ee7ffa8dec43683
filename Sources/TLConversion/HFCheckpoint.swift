import ModelConfigs
import TLCore
import TLFormats

/// A Hugging Face model directory: its parsed `config.json` and its weights (one
/// safetensors file, a sharded index, or `pytorch_model.bin`, as `CheckpointOpener` finds them).
public struct HFCheckpoint: Sendable {
    public let directory: String
    public let config: HFConfig
    public let weights: any TensorSource

    public init(directory: String, config: HFConfig, weights: any TensorSource) {
        self.directory = directory
        self.config = config
        self.weights = weights
    }

    /// Opens `directory`: errors name the directory or the file that is missing or malformed.
    public static func open(_ directory: String) throws(TLError) -> HFCheckpoint {
        guard FileSystem.isDirectory(directory) else {
            if FileSystem.kind(of: directory) == .missing { throw .notFound("\(directory): no such model directory") }
            throw .badFile(path: directory, problem: "expected a model directory (config.json plus weights)")
        }
        let configPath = FileSystem.join(directory, "config.json")
        guard FileSystem.isFile(configPath) else {
            throw .notFound("\(directory): no config.json (expected a Hugging Face model directory)")
        }
        let config = try HFConfig(path: configPath)
        return HFCheckpoint(directory: directory, config: config, weights: try CheckpointOpener.open(directory))
    }

    /// The architecture module for this checkpoint (unknown architectures list the supported ones).
    public func module() throws(TLError) -> ArchitectureModule {
        try ArchitectureRegistry.module(for: config)
    }
}
