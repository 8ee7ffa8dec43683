import TLCore


/// Where a MODEL argument led: a directory holding `config.json` and weights in
/// Hugging Face layout (or a tlconvert output), and where it came from.
public struct ResolvedModel: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// The argument was a local directory.
        case localDirectory
        /// A complete snapshot already in the Hugging Face cache (no network used).
        case cache
        /// Fetched from the Hub into the cache by this call.
        case download
    }

    /// The folder to read: the local directory, or `…/snapshots/<commit>` in the cache.
    public let directory: String
    /// The Hub repository (`gpt2`, `EleutherAI/pythia-70m`); nil for a local directory.
    public let repoID: String?
    /// The revision asked for (`main` by default); nil for a local directory.
    public let revision: String?
    /// The commit the snapshot holds; nil for a local directory.
    public let commit: String?
    /// The zoo entry when the argument was a TransformerLens name or alias.
    public let zooEntry: ZooEntry?
    public let origin: Origin
    /// The training checkpoint asked for (`--checkpoint-index` / `--checkpoint-value`).
    public var trainingCheckpoint: TrainingCheckpoint?
    /// Whether that checkpoint is a `.pth` file in `directory` (TransformerLens-native) rather
    /// than the revision the directory already is.
    public var checkpointIsFile = false

    public init(directory: String, repoID: String?, revision: String?, commit: String?,
                zooEntry: ZooEntry?, origin: Origin) {
        self.directory = directory
        self.repoID = repoID
        self.revision = revision
        self.commit = commit
        self.zooEntry = zooEntry
        self.origin = origin
    }
}
