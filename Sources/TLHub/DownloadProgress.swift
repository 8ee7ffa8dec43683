import Foundation
import TLCore

/// Progress of one file's download on stderr: a bar redrawn in place (bytes, rate,
/// ETA) when stderr is a terminal; otherwise quiet lines: one for a small file, and
/// for a large one a first line, a line every few seconds and a last line.
public final class DownloadProgress {
    /// Where text goes; the default writes to stderr without adding a newline.
    public typealias Output = @Sendable (String) -> Void

    private let label: String
    private let total: Int?
    private let terminal: Bool
    private let output: Output
    private let start: Date
    private let startBytes: Int
    private var lastDraw: Date
    private var bytes: Int

    /// Seconds between lines when stderr is not a terminal.
    static let lineInterval: TimeInterval = 5
    /// Seconds between redraws of the bar.
    static let barInterval: TimeInterval = 0.1
    /// Files below this size get a single line when stderr is not a terminal.
    static let smallFile = 1_000_000

    private var small: Bool { (total ?? Int.max) < Self.smallFile }

    public init(label: String, total: Int?, alreadyHave: Int, terminal: Bool = Console.stderrIsTerminal,
                output: @escaping Output = DownloadProgress.standardError) {
        self.label = label
        self.total = total
        self.terminal = terminal
        self.output = output
        self.start = Date()
        self.lastDraw = .distantPast
        self.bytes = alreadyHave
        self.startBytes = alreadyHave
        if !terminal && !small {
            let resume = alreadyHave > 0 ? ", resuming at \(Self.size(alreadyHave))" : ""
            output("downloading \(label) (\(total.map(Self.size) ?? "size unknown")\(resume))\n")
            lastDraw = start
        }
    }

    public func advance(by count: Int) {
        bytes += count
        let now = Date()
        if terminal {
            if now.timeIntervalSince(lastDraw) >= Self.barInterval { draw(now) }
        } else if !small, now.timeIntervalSince(lastDraw) >= Self.lineInterval {
            lastDraw = now
            output("  \(label): \(status(now))\n")
        }
    }

    /// The last word: a full bar and a newline, or a closing line.
    public func finish() {
        let now = Date()
        if terminal {
            draw(now)
            output("\n")
        } else if small {
            output("downloaded \(label) (\(Self.size(bytes)))\n")
        } else {
            let elapsed = now.timeIntervalSince(start)
            let speed = elapsed >= 0.1 ? " at " + Self.rate(Double(bytes - startBytes) / elapsed) : ""
            output("  \(label): done, \(Self.size(bytes))\(speed)\n")
        }
    }

    private func draw(_ now: Date) {
        lastDraw = now
        let width = 24
        var bar = ""
        if let total, total > 0 {
            let filled = min(width, bytes * width / total)
            bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        }
        output("\r\u{1B}[K\(label) \(bar)\(status(now))")
    }

    private func status(_ now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-3)
        let speed = Double(bytes - startBytes) / elapsed
        var text = Self.size(bytes)
        if let total, total > 0 {
            text += " / \(Self.size(total)) (\(min(100, bytes * 100 / total))%)"
        }
        text += ", \(Self.rate(speed))"
        if let total, speed > 0, total > bytes {
            text += ", ETA \(Self.duration(Double(total - bytes) / speed))"
        }
        return text
    }

    static func size(_ count: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    static func rate(_ bytesPerSecond: Double) -> String { size(Int(bytesPerSecond)) + "/s" }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
