import Foundation

/// Number formatting for the verify table: short, fixed width where it matters.
enum Format {
    /// Scientific for small or large magnitudes, plain otherwise.
    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x.isNaN || x.isInfinite { return "\(x)" }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e5 { return String(format: "%.6g", x) }
        return String(format: "%.3e", x)
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Lines of cells as aligned text: each column as wide as its widest cell, two spaces
    /// apart, no trailing spaces; one "\n"-terminated line per entry.
    static func columns(_ lines: [[String]]) -> String {
        let count = lines.map(\.count).max() ?? 0
        let widths = (0..<count).map { column in lines.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        var text = ""
        for line in lines {
            let cells = zip(line, widths).map { padded($0, $1) }.joined(separator: "  ")
            text += String(cells.reversed().drop(while: { $0 == " " }).reversed()) + "\n"
        }
        return text
    }
}
