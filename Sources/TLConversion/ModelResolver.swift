#if canImport(Glibc)
import Glibc
#endif
import TLCore
import TLFormats

/// Turns the MODEL argument into a local checkpoint directory. Today: a local
/// directory holding config.json. The hub helper replaces this one call with zoo
/// names, repo ids and the Hugging Face cache (honouring `revision` and `offline`).
public enum ModelResolver {
    public struct Resolved: Sendable {
        /// The local directory to read.
        public let directory: String
        /// The id recorded as the source (repo id, or the directory's absolute path, which is
        /// also TransformerLens's `tokenizer_name`: the tokenizer loads from it anywhere).
        public let modelID: String
        /// A default output name (`./tl-models/<name>`).
        public let name: String
    }

    public static func resolve(_ model: String, revision: String? = nil, offline: Bool = false) throws(TLError) -> Resolved {
        guard FileSystem.isDirectory(model) else {
            throw .notFound("\(model): not a local model directory (hub names are not resolved yet)")
        }
        let trimmed = model.count > 1 && model.hasSuffix("/") ? String(model.dropLast()) : model
        let name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        var absolute = trimmed
        if let resolved = realpath(trimmed, nil) {
            absolute = String(cString: resolved)
            free(resolved)
        }
        return Resolved(directory: trimmed, modelID: absolute, name: name)
    }
}
