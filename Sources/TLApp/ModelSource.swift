#if canImport(Glibc)
import Glibc
#endif
import TLCore
import TLHub

/// The MODEL argument of `convert`, resolved to a checkpoint directory (local folder,
/// Hugging Face cache snapshot, or a fresh download — TLHub's `ModelResolver`).
public struct ModelSource: Sendable {
    /// The directory to read.
    public let directory: String
    /// The id recorded as the source and used as TransformerLens's `tokenizer_name`:
    /// the repo id, or the local directory's absolute path (loadable from anywhere).
    public let modelID: String
    /// The revision recorded in the output metadata (the snapshot's commit when known).
    public let revision: String?
    /// The default output folder name (`./tl-models/<name>`).
    public let name: String
    /// The training checkpoint asked for, as the config records it.
    public var trainingCheckpoint: TrainingCheckpoint?
    /// That checkpoint's value when it is a `.pth` file of the directory (TransformerLens-native).
    public var checkpointFileValue: Int?

    public static func resolve(_ model: String, revision: String? = nil, offline: Bool = false,
                               checkpoint: TrainingCheckpoints.Request? = nil) throws(TLError) -> ModelSource {
        let resolved = try ModelResolver.resolve(model, revision: revision, offline: offline, checkpoint: checkpoint)
        var id = resolved.repoID ?? resolved.directory
        var commit = resolved.commit ?? resolved.revision
        if resolved.repoID == nil, let real = realpath(resolved.directory, nil) {
            id = String(cString: real)
            free(real)
            // A snapshot folder of the Hugging Face cache is that repo at that commit.
            if let snapshot = cacheSnapshot(id) { (id, commit) = (snapshot.repo, snapshot.commit) }
        }
        let trimmed = id.count > 1 && id.hasSuffix("/") ? String(id.dropLast()) : id
        var source = ModelSource(directory: resolved.directory, modelID: trimmed, revision: commit,
                                 name: trimmed.split(separator: "/").last.map(String.init) ?? trimmed)
        source.trainingCheckpoint = resolved.trainingCheckpoint
        source.checkpointFileValue = resolved.checkpointIsFile ? resolved.trainingCheckpoint?.value : nil
        return source
    }

    /// The repo id and commit of a path `…/models--ORG--NAME/snapshots/COMMIT` (the cache's layout:
    /// `models--` and the repo id with `/` spelled `--`).
    static func cacheSnapshot(_ path: String) -> (repo: String, commit: String)? {
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 2] == "snapshots" else { return nil }
        let folder = parts[parts.count - 3]
        guard folder.hasPrefix("models--"), folder.count > "models--".count else { return nil }
        let repo = folder.dropFirst("models--".count).replacing("--", with: "/")
        return (String(repo), String(parts[parts.count - 1]))
    }
}
