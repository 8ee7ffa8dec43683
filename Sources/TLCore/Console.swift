#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines for people on stderr (errors, warnings, progress), kept off stdout so
/// `--json` output stays machine-readable. A URL's credentials never reach them.
public enum Console {
    public static func error(_ line: String) {
        let bytes = Array((line.redactingURLCredentials + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Whether stderr is a terminal (progress bars redraw in place only there).
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
