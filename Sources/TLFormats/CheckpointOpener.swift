import TLCore

/// Opens any supported tensor container, by what it is rather than what it is called:
/// a model directory, a sharded index, or a file recognised by its first bytes
/// (zip → `torch.save` or `.npz`, `\x93NUMPY` → `.npy`, a length-prefixed `{` → safetensors),
/// falling back to its extension for the error message.
public enum CheckpointOpener {
    /// Weight files of a Hugging Face model directory, most preferred first.
    public static let directoryCandidates = [
        "model.safetensors", "model.safetensors.index.json",
        "pytorch_model.bin", "pytorch_model.bin.index.json",
    ]

    public static func open(_ path: String) throws(TLError) -> any TensorSource {
        switch FileSystem.kind(of: path) {
        case .missing: throw .notFound("\(path): no such file or directory")
        case .other: throw .badFile(path: path, problem: "not a regular file or directory")
        case .directory: return try open(try weightsFile(inDirectory: path))
        case .file:
            if ShardedCheckpoint.isIndexPath(path) { return try ShardedCheckpoint(indexPath: path) }
            return try openFile(path)
        }
    }

    /// The weights file (or index) a model directory's checkpoint is read from: the
    /// candidates in order, else a single `*.safetensors`, else a `*final.pth`.
    public static func weightsFile(inDirectory directory: String) throws(TLError) -> String {
        for name in directoryCandidates {
            let candidate = FileSystem.join(directory, name)
            if FileSystem.isFile(candidate) { return candidate }
        }
        let contents = try FileSystem.contents(of: directory)
        let singles = contents.filter { $0.hasSuffix(".safetensors") }
        if singles.count == 1 { return FileSystem.join(directory, singles[0]) }
        // A TransformerLens-native directory (NeelNanda's toy models): its final weights.
        if singles.isEmpty, let final = TransformerLensNativeFiles.finalWeights(in: contents) {
            return FileSystem.join(directory, final)
        }
        if singles.isEmpty {
            throw .notFound("\(directory): no weights found (expected \(directoryCandidates.joined(separator: ", ")) or one *.safetensors)")
        }
        throw .badFile(path: directory, problem: "several .safetensors files (\(singles.joined(separator: ", "))) and no index saying how they combine")
    }

    /// One container file (not an index, not a directory).
    public static func openFile(_ path: String) throws(TLError) -> any TensorSource {
        let storage = try ByteStorage.map(path: path)
        return try storage.withBytes { bytes throws(TLError) in try open(storage, bytes: bytes, path: path) }
    }

    private static func open(_ storage: ByteStorage, bytes: UnsafeRawBufferPointer, path: String) throws(TLError) -> any TensorSource {
        let lower = path.lowercased()
        if bytes.isEmpty { throw .badFile(path: path, problem: "empty file") }
        if ZipArchive.hasZipMagic(bytes) {
            let archive = try ZipArchive(storage: storage, path: path)
            let isTorch = archive.entries.contains { $0.name.hasSuffix("/data.pkl") }
            if lower.hasSuffix(".npz") || !isTorch { return try NPZFile(archive: archive) }
            return try TorchCheckpoint(archive: archive)
        }
        if NPYHeader.hasMagic(bytes) { return try NPYFile(storage: storage, path: path) }
        // Before the pickle check: a safetensors header length such as 640 starts with 0x80 0x02.
        if lower.hasSuffix(".safetensors") || looksLikeSafeTensors(bytes) {
            return try SafeTensorsFile(storage: storage, path: path)
        }
        if isLegacyTorch(bytes) {
            throw .badFile(path: path, problem: "legacy pre-1.6 torch format, re-save with torch>=1.6 (torch.save(torch.load(f), f))")
        }
        for ext in [".bin", ".pt", ".pth", ".npz"] where lower.hasSuffix(ext) {
            throw .badFile(path: path, problem: "not a zip archive (corrupt or not a torch.save/.npz file)")
        }
        if lower.hasSuffix(".npy") { throw .badFile(path: path, problem: "not a .npy array (no \\x93NUMPY magic)") }
        throw .badFile(path: path, problem: "unrecognised file format (expected safetensors, torch.save zip, .npy or .npz)")
    }

    /// A bare pickle (`\x80` + protocol) or a tar archive: what torch < 1.6 wrote.
    static func isLegacyTorch(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count >= 2 && bytes[0] == 0x80 && (2...5).contains(bytes[1]) { return true }
        return bytes.count >= 262 && bytes[257..<262].elementsEqual("ustar".utf8)
    }

    /// A plausible safetensors start: an 8-byte length that fits the file, then `{`.
    static func looksLikeSafeTensors(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 10 else { return false }
        let length = bytes.loadUnaligned(as: UInt64.self).littleEndian
        return length >= 2 && length <= UInt64(bytes.count - 8) && bytes[8] == UInt8(ascii: "{")
    }
}
