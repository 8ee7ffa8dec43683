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
}
