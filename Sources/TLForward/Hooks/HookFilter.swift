/// Which hook points to record: comma-separated glob patterns over TransformerLens
/// hook names (`*` any run of characters, `?` one character), e.g.
/// `blocks.*.attn.hook_pattern,ln_final.*`.
public struct HookFilter: Sendable, Equatable {
    private let patterns: [[Character]]

    public init(_ spec: String) {
        patterns = spec.split(separator: ",").map { Array($0.trimmingCharacters()) }.filter { !$0.isEmpty }
    }

    /// Every hook point.
    public static let all = HookFilter("*")

    public func matches(_ name: String) -> Bool {
        let text = Array(name)
        return patterns.contains { HookFilter.glob($0, text) }
    }

    /// Iterative glob match with single-star backtracking.
    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star = -1, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; resume = t; p += 1
            } else if star >= 0 {
                p = star + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

private extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let first = s.first, first == " " { s = s.dropFirst() }
        while let last = s.last, last == " " { s = s.dropLast() }
        return s
    }
}
