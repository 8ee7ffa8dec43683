import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hidden temporaries an output is built under (`.NAME.tmp-PID` beside its target, and
/// `.NAME.old-PID` for a replaced folder moved aside): which ones this process has live, so
/// an interrupted run removes them (`SignalCleanup`), and a sweep that removes those a
/// killed run left behind (its pid no longer alive).
public enum TemporaryFiles {
    /// `.NAME.<tag>-PID` in the folder of `target` (a trailing slash ignored).
    public static func path(for target: String, tag: String = "tmp", pid: Int32 = getpid()) -> String {
        let (folder, name) = split(target)
        return "\(folder).\(name).\(tag)-\(pid)"
    }

    /// Records a temporary to remove if a signal ends the run. Register before creating it:
    /// removing a path that does not exist yet is harmless, a leak is not.
    public static func register(_ path: String) {
        registry.lock.lock()
        registry.paths.insert(path)
        registry.lock.unlock()
    }

    public static func unregister(_ path: String) {
        registry.lock.lock()
        registry.paths.remove(path)
        registry.lock.unlock()
    }

    /// Runs `body` with signal cleanup held off until it returns, so a commit's renames (old
    /// output aside, new one in) are never cut in half by an interruption.
    public static func withCleanupHeld<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        return try body()
    }

    /// Blocks for good while a signal's cleanup runs (it ends the process), so the error a
    /// vanished temporary caused on another thread is never reported instead.
    public static func waitWhileCleaningUp() {
        registry.lock.lock()
        registry.lock.unlock()
    }

    /// Removes every live temporary and keeps the registry locked: nothing may commit or
    /// report after this; the caller ends the process.
    static func removeAllForExit() {
        registry.lock.lock()
        for path in registry.paths { remove(path) }
    }

    /// Removes the temporaries that runs no longer alive left beside `target`. A
    /// `.NAME.old-PID` (a previous output moved aside by a replace that was killed before the
    /// new one moved in) is put back when the target is missing.
    public static func removeStale(beside target: String) {
        let (folder, name) = split(target)
        let directory = folder.isEmpty ? "." : folder
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries {
            for tag in ["tmp", "old"] {
                let prefix = ".\(name).\(tag)-"
                let digits = entry.dropFirst(prefix.count)
                guard entry.hasPrefix(prefix), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let pid = Int32(digits), !isAlive(pid) else { continue }
                let stale = folder + entry
                if tag == "old", !exists(folder + name) {
                    rename(stale, folder + name)
                } else {
                    remove(stale)
                }
            }
        }
    }

    // MARK: -

    private final class Registry: @unchecked Sendable {
        let lock = NSRecursiveLock()
        var paths = Set<String>()
    }

    private static let registry = Registry()

    /// (folder with its trailing slash or "", last component) of a path.
    private static func split(_ target: String) -> (folder: String, name: String) {
        var path = target
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: alive, not ours).
    private static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Unlinks a file or symlink, or removes a folder with its contents.
    private static func remove(_ path: String) {
        if unlink(path) == 0 || errno == ENOENT { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
