import Foundation
import TLCore
import TLFormats

/// A model directory built under a temporary name beside its target and renamed into
/// place by `commit()`, so a failed conversion never leaves a partial directory and an
/// existing one is replaced only when asked and only once the new one is complete.
final class OutputDirectory {
    let target: String
    let temporary: String
    private let replace: Bool
    private var committed = false

    /// - Parameter replace: whether an existing `target` may be replaced (`--force`).
    init(target: String, replace: Bool) throws(TLError) {
        let trimmed = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
        self.target = trimmed
        self.replace = replace
        let parent = FileSystem.directory(of: trimmed)
        let name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        self.temporary = FileSystem.join(parent, ".\(name).tmp-\(getpid())")
        if FileSystem.kind(of: trimmed) != .missing && !replace {
            throw .output(path: trimmed, problem: "already exists (use --force to replace it)")
        }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if FileSystem.kind(of: temporary) != .missing { try FileManager.default.removeItem(atPath: temporary) }
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        } catch {
            throw .output(path: trimmed, problem: "cannot create (\(error.localizedDescription))")
        }
    }

    deinit { if !committed { try? FileManager.default.removeItem(atPath: temporary) } }

    /// Path of `name` inside the directory being built.
    func path(_ name: String) -> String { FileSystem.join(temporary, name) }

    /// Copies a file into the directory being built.
    func copy(_ source: String, as name: String) throws(TLError) {
        do {
            try FileManager.default.copyItem(atPath: source, toPath: path(name))
        } catch {
            throw .output(path: target, problem: "cannot copy \(source) (\(error.localizedDescription))")
        }
    }

    /// Moves the finished directory onto `target` (replacing an old one if allowed).
    func commit() throws(TLError) {
        let old = temporary.replacing(".tmp-", with: ".old-")
        do {
            if FileSystem.kind(of: target) != .missing {
                guard replace else { throw TLError.output(path: target, problem: "already exists (use --force to replace it)") }
                try FileManager.default.moveItem(atPath: target, toPath: old)
            }
            try FileManager.default.moveItem(atPath: temporary, toPath: target)
            committed = true
            if FileSystem.kind(of: old) != .missing { try? FileManager.default.removeItem(atPath: old) }
        } catch let error as TLError {
            throw error
        } catch {
            throw .output(path: target, problem: "cannot move into place (\(error.localizedDescription))")
        }
    }
}
