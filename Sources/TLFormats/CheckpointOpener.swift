import TLCore

/// Opens any supported tensor container by looking at its name and first bytes.
public enum CheckpointOpener {
    public static func open(_ path: String) throws(TLError) -> any TensorSource {
        if path.hasSuffix(".safetensors") {
            return try SafeTensorsFile(path: path)
        }
        throw .badFile(path: path, problem: "unsupported file type (expected .safetensors)")
    }
}
