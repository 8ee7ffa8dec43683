import Foundation

/// The built `tlconvert` binary, run as a user runs it.
public enum TLConvertProcess {
    public typealias Output = (status: Int32, stdout: String, stderr: String)

    /// `swift test` builds every product; the binary sits beside the test runner (or a few
    /// folders above it when the runner lives inside an .xctest bundle).
    public static let binary: String = {
        let starts = [URL(fileURLWithPath: CommandLine.arguments[0]),
                      URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()]
        for start in starts {
            var folder = start.deletingLastPathComponent()
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("tlconvert").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                folder.deleteLastPathComponent()
            }
        }
        return Fixtures.packageRoot + "/.build/debug/tlconvert"
    }()

    /// Runs `tlconvert arguments` with `environment` added to this process's, `stdin` as its
    /// standard input (empty when nil). Output goes to files, so no pipe can fill up and stall it.
    /// `launcher` runs in front of the binary (e.g. `["/usr/bin/prlimit", "--fsize=65536", "--"]`).
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           stdin: String? = nil, launcher: [String] = []) throws -> Output {
        try start(arguments, environment: environment, stdin: stdin, launcher: launcher).wait()
    }

    /// Starts `tlconvert arguments` (as `run` does) and returns at once, for tests that act on
    /// the running process (send it a signal).
    public static func start(_ arguments: [String], environment: [String: String] = [:],
                             stdin: String? = nil, launcher: [String] = []) throws -> Running {
        let dir = NSTemporaryDirectory() + "tlconvert-process-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let inPath = dir + "/stdin", outPath = dir + "/stdout", errPath = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? input.close(); try? output.close(); try? error.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? binary)
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return Running(process: process, folder: dir)
    }

    /// A started `tlconvert`; `wait()` collects its status and output.
    public final class Running {
        public let process: Process
        let folder: String

        init(process: Process, folder: String) {
            self.process = process
            self.folder = folder
        }

        public var pid: Int32 { process.processIdentifier }

        /// Waits for the exit; a process ended by a signal reports 128 + the signal, as a shell does.
        public func wait() -> Output {
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let status = process.terminationReason == .uncaughtSignal
                ? 128 + process.terminationStatus : process.terminationStatus
            return (status, TLConvertProcess.text(folder + "/stdout"), TLConvertProcess.text(folder + "/stderr"))
        }
    }

    private static func text(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}
