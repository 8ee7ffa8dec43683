import Foundation
import TLCore
import TLFormats

/// Turns a MODEL argument into a directory to read, in the contract's order:
/// a local directory → a complete snapshot in the Hugging Face cache → a download
/// from the Hub into that cache. Offline (`offline:` or `HF_HUB_OFFLINE=1`) it
/// never touches the network and says what the cache lacks.
public struct ModelResolver: Sendable {
    public var environment: HubEnvironment
    public var progress: ProgressDisplay

    public init(environment: HubEnvironment = .current, progress: ProgressDisplay = .console) {
        self.environment = environment
        self.progress = progress
    }

    /// Resolves with this process's environment and progress on stderr.
    public static func resolve(_ model: String, revision: String? = nil, offline: Bool = false,
                               checkpoint: TrainingCheckpoints.Request? = nil) throws(TLError) -> ResolvedModel {
        try ModelResolver().resolve(model, revision: revision, offline: offline, checkpoint: checkpoint)
    }

    /// `resolve` for a training checkpoint: a revision of the repo (Pythia, stanford-crfm), or
    /// one `checkpoints/*_<step>.pth` of a TransformerLens-native repo, listed by the Hub API
    /// (for a local directory: the files at hand). Only that checkpoint is fetched.
    public func resolve(_ model: String, revision: String? = nil, offline: Bool = false,
                        checkpoint request: TrainingCheckpoints.Request?) throws(TLError) -> ResolvedModel {
        guard let request else { return try resolve(model, revision: revision, offline: offline) }
        if let local = try localDirectory(model) {
            let (checkpoint, location) = try TrainingCheckpoints.select(
                request, repo: local, files: TransformerLensNativeFiles.listing(of: local))
            guard location == .nativeFile else { throw .usage("\(model): a local directory holds one checkpoint") }
            var resolved = ResolvedModel(directory: local, repoID: nil, revision: nil, commit: nil, zooEntry: nil, origin: .localDirectory)
            (resolved.trainingCheckpoint, resolved.checkpointIsFile) = (checkpoint, true)
            return resolved
        }
        let (repo, entry) = try Self.repository(for: model)
        let cache = HubCache(root: environment.cacheDirectory)
        let base = try Self.checked(revision: revision)
        var files: [String] = []
        if TrainingCheckpoints.areFiles(repo: repo) {
            // The cache holds only the checkpoints fetched so far, and checkpoint_index counts the repo's.
            guard !(offline || environment.offline) else {
                throw .usage("\(repo): its list of training checkpoints comes from the Hub's file list, so a checkpoint cannot be chosen offline")
            }
            files = try HubDownloader(environment: environment, progress: progress).revisionInfo(repo: repo, revision: base).siblings
        }
        let (checkpoint, location) = try TrainingCheckpoints.select(request, repo: repo, files: files)
        var resolved: ResolvedModel
        switch location {
        case .revision(let name):
            guard revision == nil else { throw .usage("--revision and a training checkpoint both choose the revision; give one") }
            resolved = try resolve(model, revision: name, offline: offline)
        case .nativeFile:
            resolved = try resolveNative(repo: repo, entry: entry, revision: base, value: checkpoint.value,
                                         offline: offline, cache: cache)
            resolved.checkpointIsFile = true
        }
        resolved.trainingCheckpoint = checkpoint
        return resolved
    }

    /// A TransformerLens-native repo with the training checkpoint `value`: from the cache when
    /// its snapshot has that file, else downloaded (config, that `.pth`).
    private func resolveNative(repo: String, entry: ZooEntry?, revision: String, value: Int, offline: Bool,
                               cache: HubCache) throws(TLError) -> ResolvedModel {
        if let commit = cache.commit(repo: repo, revision: revision) {
            let directory = cache.snapshotDirectory(repo: repo, commit: commit)
            if CheckpointFiles.missing(in: directory, checkpointValue: value).isEmpty {
                return ResolvedModel(directory: directory, repoID: repo, revision: revision, commit: commit,
                                     zooEntry: entry, origin: .cache)
            }
        }
        if offline || environment.offline { throw offlineMiss(repo: repo, revision: revision, cache: cache) }
        let downloader = HubDownloader(environment: environment, progress: progress)
        let (commit, directory) = try downloader.download(repo: repo, revision: revision, checkpointValue: value)
        return ResolvedModel(directory: directory, repoID: repo, revision: revision, commit: commit, zooEntry: entry, origin: .download)
    }

    /// `model` is a directory with `config.json`, a zoo name or alias (any case), or
    /// a repo id `org/name`. `revision` (branch, tag or commit; default `main`)
    /// applies to the Hub only.
    public func resolve(_ model: String, revision: String? = nil, offline: Bool = false) throws(TLError) -> ResolvedModel {
        if let local = try localDirectory(model) {
            return ResolvedModel(directory: local, repoID: nil, revision: nil, commit: nil, zooEntry: nil, origin: .localDirectory)
        }
        let (repo, entry) = try Self.repository(for: model)
        let revision = try Self.checked(revision: revision)
        let cache = HubCache(root: environment.cacheDirectory)
        if let commit = cache.commit(repo: repo, revision: revision) {
            let directory = cache.snapshotDirectory(repo: repo, commit: commit)
            if CheckpointFiles.missing(in: directory).isEmpty {
                return ResolvedModel(directory: directory, repoID: repo, revision: revision, commit: commit,
                                     zooEntry: entry, origin: .cache)
            }
        }
        if offline || environment.offline { throw offlineMiss(repo: repo, revision: revision, cache: cache) }
        return try fetch(repo: repo, revision: revision, entry: entry)
    }

    /// For `tlconvert download`: asks the Hub for the revision's current commit and
    /// fetches whatever of it the cache lacks (files already cached are reused).
    /// With `HF_HUB_OFFLINE=1` it only checks the cache.
    public func download(_ model: String, revision: String? = nil) throws(TLError) -> ResolvedModel {
        if (try? localDirectory(model)) != nil {
            throw .usage("'\(model)' is a local directory; download takes a zoo name or a Hugging Face repo id")
        }
        if environment.offline { return try resolve(model, revision: revision, offline: true) }
        let (repo, entry) = try Self.repository(for: model)
        return try fetch(repo: repo, revision: try Self.checked(revision: revision), entry: entry)
    }

    /// The folder holding the tokenizer files of `repo` (`main`): its cached snapshot when that
    /// has `tokenizer.json`, else those files alone fetched into the cache. For the toy models
    /// whose repos hold no tokenizer and name one (`tokenizer_name`), as TransformerLens loads it.
    public func tokenizerDirectory(repo: String, offline: Bool = false) throws(TLError) -> String {
        let cache = HubCache(root: environment.cacheDirectory)
        if let commit = cache.commit(repo: repo, revision: "main") {
            let directory = cache.snapshotDirectory(repo: repo, commit: commit)
            if FileManager.default.fileExists(atPath: directory + "/tokenizer.json") { return directory }
        }
        if offline || environment.offline {
            throw .notFound("\(repo): its tokenizer is not in the Hugging Face cache (offline); run once online or `tlconvert download` a model that uses it")
        }
        return try HubDownloader(environment: environment, progress: progress).downloadTokenizer(repo: repo, revision: "main")
    }

    /// The Hub repository a name stands for: a zoo name or alias (TransformerLens's
    /// spelling, any case), else a repo id `org/name` as given.
    public static func repository(for model: String) throws(TLError) -> (repo: String, entry: ZooEntry?) {
        if let entry = Zoo.lookup(model) {
            guard let repo = entry.repo else {
                throw .notFound("\(entry.name) is not hosted on the Hugging Face Hub; pass a local directory holding its weights in Hugging Face format")
            }
            return (repo, entry)
        }
        if isRepoID(model) { return (model, nil) }
        throw Zoo.unknownName(model)
    }

    /// `org/name` with the characters the Hub allows (letters, digits, `-`, `_`, `.`),
    /// no `--` or `..`, at most 96 characters (`huggingface_hub.validate_repo_id`).
    public static func isRepoID(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count <= 96, !text.contains("--"), !text.contains(".."), !text.hasSuffix(".git") else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, let last = part.last, first != "-", first != ".", last != "-", last != "." else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        }
    }

    // MARK: - Steps

    /// The argument as a local model directory, nil when it names no existing path
    /// and does not look like one.
    private func localDirectory(_ model: String) throws(TLError) -> String? {
        var isDirectory: ObjCBool = false
        let path = model.hasPrefix("~/") ? NSHomeDirectory() + model.dropFirst(1) : model
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .badFile(path: model, problem: "is a file; MODEL is a directory holding config.json and weights, a zoo name, or a repo id")
            }
            guard FileManager.default.fileExists(atPath: path + "/config.json") else {
                throw .badFile(path: model, problem: "not a model directory: no config.json")
            }
            return path
        }
        if model.hasPrefix("/") || model.hasPrefix("./") || model.hasPrefix("../") || model.hasPrefix("~") || model.hasSuffix("/") {
            throw .notFound("\(model): no such directory")
        }
        return nil
    }

    private func fetch(repo: String, revision: String, entry: ZooEntry?) throws(TLError) -> ResolvedModel {
        let downloader = HubDownloader(environment: environment, progress: progress)
        let (commit, directory) = try downloader.download(repo: repo, revision: revision)
        let gaps = CheckpointFiles.missing(in: directory)
        guard gaps.isEmpty else {
            throw .notFound("\(repo): the downloaded snapshot \(commit) still lacks \(gaps.joined(separator: ", "))")
        }
        return ResolvedModel(directory: directory, repoID: repo, revision: revision, commit: commit, zooEntry: entry, origin: .download)
    }

    private func offlineMiss(repo: String, revision: String, cache: HubCache) -> TLError {
        let why = environment.offline ? "HF_HUB_OFFLINE is set" : "--offline"
        let folder = cache.repoFolder(repo)
        let hint = "; run without \(environment.offline ? "HF_HUB_OFFLINE" : "--offline") to download it"
        guard FileManager.default.fileExists(atPath: folder) else {
            return .notFound("\(repo) is not in the Hugging Face cache (\(why)): no \(folder)\(hint)")
        }
        guard let commit = cache.commit(repo: repo, revision: revision) else {
            let detail = HubCache.isCommitHash(revision) ? "no snapshot \(revision)" : "no refs/\(revision)"
            return .notFound("\(repo) at revision '\(revision)' is not in the Hugging Face cache (\(why)): \(folder) has \(detail)\(hint)")
        }
        let gaps = CheckpointFiles.missing(in: cache.snapshotDirectory(repo: repo, commit: commit))
        return .notFound("\(repo) is only partly in the Hugging Face cache (\(why)): snapshot \(commit) lacks \(gaps.joined(separator: ", "))\(hint)")
    }

    /// The revision, `main` by default; no empty or `..` parts (it becomes a path under refs/).
    static func checked(revision: String?) throws(TLError) -> String {
        guard let revision else { return "main" }
        let parts = revision.split(separator: "/", omittingEmptySubsequences: false)
        guard !revision.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw .usage("bad revision '\(revision)'")
        }
        return revision
    }
}
