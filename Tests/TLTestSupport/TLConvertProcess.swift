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
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           stdin: String? = nil) throws -> Output {
        let dir = NSTemporaryDirectory() + "tlconvert-process-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPath = dir + "/stdin", outPath = dir + "/stdout", errPath = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? input.close(); try? output.close(); try? error.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, text(outPath), text(errPath))
    }

    private static func text(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}
