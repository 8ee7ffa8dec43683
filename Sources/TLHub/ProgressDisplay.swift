import TLCore

/// How downloads report progress.
public enum ProgressDisplay: Sendable {
    /// Nothing (tests, `--quiet` callers).
    case silent
    /// On stderr: a bar when stderr is a terminal, periodic lines otherwise.
    case console
    /// To `output`, drawn as for a terminal or not.
    case custom(terminal: Bool, output: @Sendable (String) -> Void)

    func meter(label: String, total: Int?, alreadyHave: Int) -> DownloadProgress? {
        switch self {
        case .silent: return nil
        case .console: return DownloadProgress(label: label, total: total, alreadyHave: alreadyHave)
        case .custom(let terminal, let output):
            return DownloadProgress(label: label, total: total, alreadyHave: alreadyHave, terminal: terminal, output: output)
        }
    }
}
