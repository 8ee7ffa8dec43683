#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TLCore

/// A path tlconvert is about to write (`-o`, `--save-logits`, `--cache`), checked before any
/// work starts (CONTRACT.md "Output paths"). The one place that decides what an output may
/// replace: an existing file or folder only with `--force`, and never a symlink, a device, a
/// FIFO, a socket or a mount point (renaming onto one would swap it for a regular file, or
/// fail only after the work); never the source or another input, which the replace would
/// destroy. Errors name the path as the user typed it, with its flag.
public struct OutputPath: Sendable {
    public enum Kind: Sendable { case file, directory }

    /// A path an output must leave alone: it may not be it or hold it, and with
    /// `wholeFolder` may not lie anywhere inside it either.
    public struct Guarded: Sendable {
        public var path: String
        /// What it is, for the message ("the reference dump").
        public var role: String
        public var wholeFolder: Bool

        public init(_ path: String, role: String, wholeFolder: Bool = false) {
            self.path = path
            self.role = role
            self.wholeFolder = wholeFolder
        }

        /// A model on disk as a reader sees it: the path itself and, for a folder, each entry by its
        /// real path (a hub snapshot's files are links into the cache's blobs). Empty when missing.
        public static func model(_ path: String, role: String, wholeFolder: Bool) -> [Guarded] {
            guard FileSystem.kind(of: path) != .missing else { return [] }
            let entries = FileSystem.isDirectory(path) ? ((try? FileSystem.contents(of: path)) ?? []) : []
            return [Guarded(path, role: role, wholeFolder: wholeFolder)]
                + entries.map { Guarded(FileSystem.join(path, $0), role: role) }
        }
    }

    /// The path to write (a folder's trailing slash dropped).
    public let path: String
    /// How messages name it: the flag and what was typed (`-o 'out/'`), or the path alone.
    public let label: String

    /// - Parameters:
    ///   - flag: the option the path came from, named in messages; nil for a default path.
    ///   - replace: whether an existing file or folder may be replaced (`--force`).
    ///   - guarding: what the output may not replace, hold or (for folders) lie inside;
    ///     a folder output also never holds the current folder.
    public init(_ typed: String, flag: String? = nil, kind: Kind, replace: Bool, guarding: [Guarded] = []) throws(TLError) {
        let label = flag.map { "\($0) '\(typed)'" } ?? typed
        func refusal(_ problem: String) -> TLError { .output(path: label, problem: problem) }

        guard !typed.isEmpty else { throw refusal("the path is empty") }
        if kind == .file && typed.hasSuffix("/") { throw refusal("ends in '/'; name a file") }
        var path = typed
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let name = path.split(separator: "/").last.map(String.init) ?? "/"
        if path == "/" { throw refusal("is the root folder; name a new folder for the output") }
        if name == "." || name == ".." { throw refusal("ends in '\(name)', an existing folder; name the output's own folder") }

        // The nearest folder that exists; a file's own folder must exist (folders are made only for -o).
        let parent = FileSystem.directory(of: path)
        var folder = parent
        var missing = [name]
        while !Self.exists(folder) {
            guard kind == .directory else { throw refusal("folder '\(folder)' does not exist") }
            let up = FileSystem.directory(of: folder)
            guard up != folder else { throw refusal("no folder of it exists") }
            missing.insert(String(folder.split(separator: "/").last ?? ""), at: 0)
            folder = up
        }
        if let file = Self.firstNonFolder(in: path) { throw refusal("'\(file)' is a file, not a folder") }
        TemporaryFiles.removeStale(beside: path)

        var info = stat()
        if lstat(path, &info) == 0 {
            if let problem = Self.refusal(existing: path, kind: kind) { throw refusal(problem) }
            if Self.isMountPoint(path) { throw refusal("is a mount point, which cannot be replaced") }
            guard replace else { throw refusal("already exists (use --force to replace it)") }
        } else if errno != ENOENT {
            throw refusal(String(cString: strerror(errno)))
        }

        // Can anything be created there? Found now, not after the work.
        let probe = TemporaryFiles.path(for: FileSystem.join(folder, missing[0]))
        TemporaryFiles.register(probe)
        defer { TemporaryFiles.unregister(probe) }
        if mkdir(probe, 0o700) == 0 {
            rmdir(probe)
        } else if errno != EEXIST {
            throw refusal("cannot write in '\(folder)' (\(String(cString: strerror(errno))))")
        }

        let real = Self.lexical((Self.realPath(folder) ?? folder) + "/" + missing.joined(separator: "/"))
        let current = [Guarded(".", role: "the current folder")]
        for guarded in guarding + (kind == .directory ? current : []) {
            guard let other = Self.realPath(guarded.path) else { continue }
            if real == other { throw refusal("is \(guarded.role)") }
            if other.hasPrefix(Self.inside(real)) { throw refusal("holds \(guarded.role) ('\(guarded.path)')") }
            if guarded.wholeFolder && real.hasPrefix(Self.inside(other)) {
                throw refusal("lies inside \(guarded.role) ('\(guarded.path)')")
            }
        }
        self.path = path
        self.label = label
    }

    /// Why the existing `path` may not be replaced by an output of `kind`, whatever `--force`
    /// says; nil when it may (or is missing). Checked again just before the final rename.
    public static func refusal(existing path: String, kind: Kind) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return kind == .file ? nil : "is a file, not a folder"
        case S_IFDIR: return kind == .directory ? nil : "is a folder, not a file"
        case S_IFLNK: return "is a symbolic link; tlconvert never replaces one (name its target instead)"
        case S_IFCHR: return "is a character device; tlconvert never replaces one"
        case S_IFBLK: return "is a block device; tlconvert never replaces one"
        case S_IFIFO: return "is a FIFO; tlconvert never replaces one"
        case S_IFSOCK: return "is a socket; tlconvert never replaces one"
        default: return "is not a regular file or folder; tlconvert never replaces it"
        }
    }

    // MARK: -

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The first component of `path`'s folders that exists and is not a folder (`a` in `a/b/c`).
    private static func firstNonFolder(in path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/").dropLast() {
            prefix += component
            let kind = FileSystem.kind(of: prefix)
            if kind == .missing { return nil }
            if kind != .directory { return prefix }
            prefix += "/"
        }
        return nil
    }

    /// A folder other than the root that is the root of its own filesystem (or the root itself).
    private static func isMountPoint(_ path: String) -> Bool {
        var mine = stat(), parent = stat()
        guard stat(path, &mine) == 0, stat(FileSystem.join(path, ".."), &parent) == 0 || stat(FileSystem.directory(of: path), &parent) == 0
        else { return false }
        return mine.st_dev != parent.st_dev || mine.st_ino == parent.st_ino
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` with `.` and `..` components resolved by name (for the part that does not exist yet).
    private static func lexical(_ path: String) -> String {
        var parts = [Substring]()
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The prefix every path inside `folder` starts with.
    private static func inside(_ folder: String) -> String { folder == "/" ? "/" : folder + "/" }
}
