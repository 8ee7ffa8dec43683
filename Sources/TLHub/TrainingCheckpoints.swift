import TLCore
import TLFormats

/// `--checkpoint-index N` / `--checkpoint-value V`, as TransformerLens's `from_pretrained`
/// takes them: which training checkpoints a model has (`get_checkpoint_labels`) and where
/// each lives: a `step{V}` revision (Pythia), a `checkpoint-{V}` revision (stanford-crfm), or
/// a `checkpoints/*_{V}.pth` file of the repo (NeelNanda).
public enum TrainingCheckpoints {
    public enum Request: Sendable, Equatable {
        case index(Int)
        case value(Int)
    }

    /// Where the chosen checkpoint is.
    public enum Location: Sendable, Equatable {
        /// A revision of a Hugging Face repo.
        case revision(String)
        /// A `.pth` file of a TransformerLens-native repo.
        case nativeFile
    }

    /// TransformerLens's `STANFORD_CRFM_CHECKPOINTS`.
    public static let stanfordCRFM: [Int] = Array(stride(from: 0, to: 100, by: 10)) + Array(stride(from: 100, to: 2000, by: 50))
        + Array(stride(from: 2000, to: 20000, by: 100)) + Array(stride(from: 20000, through: 400_000, by: 1000))
    /// `PYTHIA_CHECKPOINTS` (log-spaced early steps, then every 1000).
    public static let pythia: [Int] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512] + Array(stride(from: 1000, through: 143_000, by: 1000))
    /// `PYTHIA_V0_CHECKPOINTS`.
    public static let pythiaV0: [Int] = Array(stride(from: 1000, through: 143_000, by: 1000))

    /// Whether a repo's checkpoints are files of the repo (so its file list is needed).
    public static func areFiles(repo: String) -> Bool { repo.hasPrefix("NeelNanda/") }

    /// The labels and label type of `repo`'s checkpoints; `files` (the repo's file names) for
    /// NeelNanda's repos. A repo without checkpoints is an error, as in TransformerLens.
    public static func labels(repo: String, files: [String]) throws(TLError) -> (labels: [Int], type: String) {
        if repo.hasPrefix("stanford-crfm/") { return (stanfordCRFM, "step") }
        if repo.hasPrefix("EleutherAI/pythia") { return (repo.contains("v0") ? pythiaV0 : pythia, "step") }
        if areFiles(repo: repo) || files.contains(where: { $0.hasPrefix("checkpoints/") }) {
            let labels = TransformerLensNativeFiles.checkpoints(in: files).map(\.label)
            guard let last = labels.last else { throw .notFound("\(repo): the repo holds no training checkpoints (checkpoints/*_<step>.pth)") }
            return (labels, last > 1_000_000_000 ? "token" : "step")
        }
        throw .usage("\(repo) has no training checkpoints TransformerLens knows (Pythia, stanford-crfm and NeelNanda models do)")
    }

    /// The checkpoint a request names, and where it is.
    public static func select(_ request: Request, repo: String, files: [String]) throws(TLError) -> (TrainingCheckpoint, Location) {
        let (labels, type) = try labels(repo: repo, files: files)
        let index: Int
        switch request {
        case .index(let i):
            // Python indexing: negative counts from the end.
            let resolved = i < 0 ? labels.count + i : i
            guard labels.indices.contains(resolved) else {
                throw .usage("--checkpoint-index \(i): \(repo) has \(labels.count) checkpoints (indices 0…\(labels.count - 1))")
            }
            index = resolved
        case .value(let v):
            guard let i = labels.firstIndex(of: v) else {
                throw .usage("--checkpoint-value \(v) is not a checkpoint of \(repo); available: \(TransformerLensNativeFiles.labelList(labels))")
            }
            index = i
        }
        let checkpoint = TrainingCheckpoint(index: index, value: labels[index], labelType: type)
        if repo.hasPrefix("stanford-crfm/") { return (checkpoint, .revision("checkpoint-\(checkpoint.value)")) }
        if repo.hasPrefix("EleutherAI/pythia") { return (checkpoint, .revision("step\(checkpoint.value)")) }
        return (checkpoint, .nativeFile)
    }
}
