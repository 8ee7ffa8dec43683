import Foundation
import TLCore
import TLFormats
import TLModel

/// `tlconvert.json`, written beside a converted model: where it came from and what was done
/// to it. `config.json` must stay loadable by `HookedTransformerConfig(**cfg)`, so this lives
/// in a file of its own; tools that must know how the weights were processed (an SAE trained on
/// the model's activations records the flags) read it, or pass `model_from_pretrained_kwargs`
/// to TransformerLens to load the same model the same way.
struct ConversionRecord {
    static let fileName = "tlconvert.json"
    /// Source files up to this size are hashed while converting; larger ones only when the
    /// Hugging Face cache already names their sha256 (hashing runs at ~0.5 GB/s, which would
    /// double the time of a multi-gigabyte conversion).
    static let hashLimit = 64 << 20

    let modelID: String
    let revision: String?
    /// File names relative to the source directory.
    let files: [String]
    let directory: String
    let dtype: DType
    let requested: ProcessingOptions
    let applied: ProcessingOptions
    let notices: [String]

    /// The source files a conversion reads: config.json, the weight files, the tokenizer files.
    static func sourceFiles(of checkpoint: HFCheckpoint, tokenizerFiles: [String]) -> [String] {
        var files = ["config.json", relative(checkpoint.weights.path, to: checkpoint.directory)]
        if let sharded = checkpoint.weights as? ShardedCheckpoint {
            let folder = FileSystem.directory(of: checkpoint.weights.path)
            files += sharded.shardNames.map { relative(FileSystem.join(folder, $0), to: checkpoint.directory) }
        }
        files += tokenizerFiles.filter { FileSystem.isFile(FileSystem.join(checkpoint.directory, $0)) }
        return files
    }

    func json() throws(TLError) -> String {
        var entries = [JSONValue]()
        for name in files {
            let path = FileSystem.join(directory, name)
            let (bytes, sha256) = try Self.describe(path)
            entries.append(.object([("name", .string(name)), ("bytes", .int(Int64(bytes))),
                                    ("sha256", sha256.map(JSONValue.string) ?? .null)]))
        }
        func flags(_ options: ProcessingOptions) -> JSONValue {
            .object(ProcessingOptions.Flag.allCases.map { ($0.rawValue, .bool(options[$0])) })
        }
        let record = JSONValue.object([
            ("format", .string("tlconvert")),
            ("tlconvert_version", .string(TLConvertVersion.string)),
            ("source", .object([("model", .string(modelID)), ("revision", revision.map(JSONValue.string) ?? .null),
                                ("files", .array(entries))])),
            ("dtype", .string(dtype.torchName)),
            ("processing", .object([("requested", flags(requested)), ("applied", flags(applied)),
                                    ("notices", .array(notices.map(JSONValue.string)))])),
            // What to pass to HookedTransformer.from_pretrained (SAELens: model_from_pretrained_kwargs)
            // for the same weights.
            ("model_from_pretrained_kwargs", flags(applied)),
        ])
        return JSONWriter.string(record, pretty: true) + "\n"
    }

    /// A file's size, and its sha256: read from the name of the Hugging Face cache blob a
    /// snapshot file links to, else computed for files up to `hashLimit`, else unknown.
    private static func describe(_ path: String) throws(TLError) -> (Int, String?) {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: resolved) } catch {
            throw .badFile(path: path, problem: "cannot read its size")
        }
        let bytes = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let blob = URL(fileURLWithPath: resolved).lastPathComponent
        if resolved != path, SHA256.isHexDigest(blob) { return (bytes, blob) }
        guard bytes <= hashLimit else { return (bytes, nil) }
        var hasher = SHA256()
        if bytes > 0 { try ByteStorage.map(path: path).withBytes { hasher.update($0) } }
        return (bytes, hasher.hexDigest())
    }

    /// `path` relative to `directory` when it lies inside it.
    private static func relative(_ path: String, to directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
