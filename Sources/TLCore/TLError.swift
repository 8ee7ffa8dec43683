/// Every failure tlconvert reports to a user. Each case renders as one line that
/// names the file or tensor and what is wrong; `exitCode` follows CONTRACT.md.
public enum TLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The command line itself is wrong (unknown flag combination, missing argument).
    case usage(String)
    /// A file is malformed, truncated, malicious or of an unsupported kind.
    case badFile(path: String, problem: String)
    /// A tensor is missing, has the wrong shape or dtype, or holds bad values.
    case badTensor(name: String, problem: String)
    /// The model cannot be converted (unknown architecture, config/weights disagreement).
    case unsupported(String)
    /// A model name, repo or path could not be resolved.
    case notFound(String)
    /// The network failed or the server refused.
    case network(String)
    /// The output exists or cannot be written.
    case output(path: String, problem: String)
    /// Verification ran and missed its tolerances (exit 1, not 2).
    case verificationFailed(String)

    /// One line, always: names taken from hostile files may hold newlines or control
    /// characters, which are shown escaped; credentials in a URL are masked.
    public var description: String {
        var line = ""
        for scalar in rawDescription.redactingURLCredentials.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                line += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    private var rawDescription: String {
        switch self {
        case .usage(let m): return m
        case .badFile(let path, let problem): return "\(path): \(problem)"
        case .badTensor(let name, let problem): return "tensor '\(name)': \(problem)"
        case .unsupported(let m): return m
        case .notFound(let m): return m
        case .network(let m): return m
        case .output(let path, let problem): return "\(path): \(problem)"
        case .verificationFailed(let m): return m
        }
    }

    /// Exit status per CONTRACT.md: 1 for a failed verification, 2 for everything else.
    public var exitCode: Int32 {
        if case .verificationFailed = self { return 1 }
        return 2
    }

    /// The same error with the file it concerns named in front (for errors raised
    /// below the level that knows the path).
    public func inFile(_ path: String) -> TLError {
        switch self {
        case .badFile(let inner, let problem) where inner.isEmpty:
            return .badFile(path: path, problem: problem)
        case .badTensor(let name, let problem):
            return .badFile(path: path, problem: "tensor '\(name)': \(problem)")
        default:
            return self
        }
    }
}
