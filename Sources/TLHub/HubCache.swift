import Foundation
import TLCore

/// The Hugging Face cache layout, shared with Python's `huggingface_hub`:
/// ```
/// <root>/models--<org>--<name>/
///   refs/<revision>              the commit a branch or tag pointed at, no newline
///   blobs/<etag>                 file contents, named by ETag (sha256 for LFS files,
///                                the git blob id otherwise)
///   blobs/<etag>.incomplete      a transfer in progress, resumed with Range
///   snapshots/<commit>/<file>    relative symlink to ../../blobs/<etag>
/// <root>/.locks/models--<org>--<name>/<etag>.lock   flock held while a blob is written
/// ```
public struct HubCache: Sendable, Equatable {
    public let root: String

    public init(root: String) { self.root = root }

    /// `models--org--name`, as `huggingface_hub.repo_folder_name` spells it.
    public static func folderName(repo: String) -> String {
        (["models"] + repo.split(separator: "/").map(String.init)).joined(separator: "--")
    }

    public func repoFolder(_ repo: String) -> String { root + "/" + Self.folderName(repo: repo) }

    public func snapshotDirectory(repo: String, commit: String) -> String {
        repoFolder(repo) + "/snapshots/" + commit
    }

    func blobPath(repo: String, etag: String) -> String { repoFolder(repo) + "/blobs/" + etag }

    func lockPath(repo: String, etag: String) -> String {
        root + "/.locks/" + Self.folderName(repo: repo) + "/" + etag + ".lock"
    }

    func refPath(repo: String, revision: String) -> String { repoFolder(repo) + "/refs/" + revision }

    /// The commit `revision` stands for in the cache: the revision itself when it is a
    /// full commit hash with a snapshot, else what `refs/<revision>` records.
    public func commit(repo: String, revision: String) -> String? {
        if Self.isCommitHash(revision), FileManager.default.fileExists(atPath: snapshotDirectory(repo: repo, commit: revision)) {
            return revision
        }
        guard let data = FileManager.default.contents(atPath: refPath(repo: repo, revision: revision)),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Self.isCommitHash(commit) ? commit : nil
    }

    /// Records that `revision` points at `commit` (nothing to record for a commit hash).
    func writeRef(repo: String, revision: String, commit: String) throws(TLError) {
        guard revision != commit else { return }
        let path = refPath(repo: repo, revision: revision)
        if let existing = FileManager.default.contents(atPath: path), existing == Data(commit.utf8) { return }
        try makeDirectory(parent(of: path))
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(commit.utf8)),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .output(path: path, problem: "cannot record the revision's commit")
        }
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative symlink.
    func link(repo: String, commit: String, file: String, etag: String) throws(TLError) {
        let pointer = snapshotDirectory(repo: repo, commit: commit) + "/" + file
        try makeDirectory(parent(of: pointer))
        let depth = file.split(separator: "/").count - 1
        let target = String(repeating: "../", count: 2 + depth) + "blobs/" + etag
        unlink(pointer)
        guard symlink(target, pointer) == 0 else {
            throw .output(path: pointer, problem: "cannot link into the cache (\(String(cString: strerror(errno))))")
        }
    }

    func makeDirectory(_ path: String) throws(TLError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .output(path: path, problem: "cannot create the cache folder")
        }
    }

    func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// 40 lower-case hex digits: a git commit id.
    public static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// An exclusive `flock` on the cache's lock file for one blob, the same lock
/// Python's `huggingface_hub` takes, so two downloaders never write one blob.
final class BlobLock {
    private var descriptor: Int32

    init(path: String) throws(TLError) {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .output(path: path, problem: "cannot open the cache lock (\(String(cString: strerror(errno))))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            close(descriptor)
            descriptor = -1
            throw .output(path: path, problem: "cannot lock (\(String(cString: strerror(errno))))")
        }
    }

    deinit {
        if descriptor >= 0 {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }
}
