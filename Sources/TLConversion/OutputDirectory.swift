import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TLCore
import TLFormats

/// A model directory built under a temporary name beside its target and renamed into
/// place by `commit()`, so a failed or interrupted conversion never leaves a partial
/// directory and an existing one is replaced only when asked and only once the new one is
/// complete. The target is checked as every output is (`OutputPath`); the temporary is
/// registered with `TemporaryFiles`, so a signal removes it.
final class OutputDirectory {
    let target: String
    let temporary: String
    private let replace: Bool
    private var committed = false

    /// - Parameters:
    ///   - replace: whether an existing `target` may be replaced (`--force`).
    ///   - guarding: what the output may not be, hold or lie inside (the source).
    init(target: String, replace: Bool, guarding: [OutputPath.Guarded] = []) throws(TLError) {
        let checked = try OutputPath(target, kind: .directory, replace: replace, guarding: guarding)
        self.target = checked.path
        self.replace = replace
        self.temporary = TemporaryFiles.path(for: checked.path)
        TemporaryFiles.register(temporary)
        try Self.makeFolders(FileSystem.directory(of: checked.path), for: checked.path)
        if FileSystem.kind(of: temporary) != .missing { try? FileManager.default.removeItem(atPath: temporary) }
        guard mkdir(temporary, 0o755) == 0 else {
            TemporaryFiles.unregister(temporary)
            throw .output(path: checked.path, problem: "cannot create (\(String(cString: strerror(errno))))")
        }
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: temporary) }
        TemporaryFiles.unregister(temporary)
    }

    /// Path of `name` inside the directory being built.
    func path(_ name: String) -> String { FileSystem.join(temporary, name) }

    /// Copies a file into the directory being built.
    func copy(_ source: String, as name: String) throws(TLError) {
        do {
            try FileManager.default.copyItem(atPath: source, toPath: path(name))
        } catch {
            throw .output(path: FileSystem.join(target, name), problem: "cannot copy \(source) (\(error.localizedDescription))")
        }
    }

    /// Moves the finished directory onto `target` (the old one, if allowed, moved aside first
    /// and removed after). Signal cleanup waits for the two renames, so an interruption leaves
    /// the old directory or the new one in place, never neither.
    func commit() throws(TLError) {
        let old = TemporaryFiles.path(for: target, tag: "old")
        let movedAside = try TemporaryFiles.withCleanupHeld { () throws(TLError) -> Bool in
            if let problem = OutputPath.refusal(existing: target, kind: .directory) {
                throw TLError.output(path: target, problem: problem)
            }
            var movedAside = false
            if FileSystem.kind(of: target) != .missing {
                guard replace else { throw TLError.output(path: target, problem: "already exists (use --force to replace it)") }
                guard rename(target, old) == 0 else {
                    throw TLError.output(path: target, problem: "cannot move the old one aside (\(String(cString: strerror(errno))))")
                }
                movedAside = true
            }
            guard rename(temporary, target) == 0 else {
                let reason = String(cString: strerror(errno))
                if movedAside { rename(old, target) }
                throw TLError.output(path: target, problem: "cannot move into place (\(reason))")
            }
            committed = true
            TemporaryFiles.unregister(temporary)
            if movedAside { TemporaryFiles.register(old) }
            return movedAside
        }
        if movedAside {
            try? FileManager.default.removeItem(atPath: old)
            TemporaryFiles.unregister(old)
        }
    }

    /// `error` with the temporary directory of `target` replaced by `target` itself: a write
    /// that fails inside it (disk full) names the output the user asked for, not the hidden name.
    static func naming(_ error: TLError, target: String) -> TLError {
        guard case .output(let path, let problem) = error else { return error }
        var shown = target
        while shown.count > 1 && shown.hasSuffix("/") { shown.removeLast() }
        let temporary = TemporaryFiles.path(for: shown)
        return .output(path: path.replacing(temporary, with: shown), problem: problem.replacing(temporary, with: shown))
    }

    /// Creates `folder` and the folders above it that are missing (`mkdir -p`).
    private static func makeFolders(_ folder: String, for target: String) throws(TLError) {
        guard FileSystem.kind(of: folder) == .missing else { return }
        let up = FileSystem.directory(of: folder)
        if up != folder { try makeFolders(up, for: target) }
        guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
            throw .output(path: target, problem: "cannot create folder '\(folder)' (\(String(cString: strerror(errno))))")
        }
    }
}
