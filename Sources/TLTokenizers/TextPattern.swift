import TLCore

/// A regular expression from tokenizer.json, matched on Unicode scalars (code points)
/// as Oniguruma does in Hugging Face `tokenizers`, never on grapheme clusters: an emoji
/// joined with ZWJs is several scalars there, and must be here.
struct CompiledRegex: @unchecked Sendable {
    // Regex is an immutable value; it is only read after construction.
    let regex: Regex<AnyRegexOutput>
    let source: String

    init(_ source: String, place: String, file: String) throws(TLError) {
        do {
            regex = try Regex(source).matchingSemantics(.unicodeScalar)
        } catch {
            throw .badFile(path: file, problem: "\(place): unsupported regular expression \(source.debugDescription)")
        }
        self.source = source
    }

    func matchRanges(in text: String) -> [Range<String.Index>] {
        text.matches(of: regex).map(\.range)
    }
}

/// What a Split pre-tokenizer or a Replace normalizer/decoder looks for.
enum TextPattern: Sendable {
    case literal(String)
    case regex(CompiledRegex)

    /// Non-overlapping matches, leftmost first, as scalar-aligned ranges.
    func matchRanges(in text: String) -> [Range<String.Index>] {
        switch self {
        case .regex(let regex):
            return regex.matchRanges(in: text)
        case .literal(let literal):
            return literalRanges(of: literal, in: text)
        }
    }
}

/// Byte-exact search (Swift's own String search compares canonically equivalent
/// text as equal, which a tokenizer must not).
func literalRanges(of literal: String, in text: String) -> [Range<String.Index>] {
    let needle = Array(literal.utf8)
    guard !needle.isEmpty else { return [] }
    let hay = text.utf8
    var ranges = [Range<String.Index>]()
    var i = hay.startIndex
    while i != hay.endIndex {
        if hay[i] == needle[0], let end = matchEnd(hay, from: i, needle) {
            ranges.append(i..<end)
            i = end
        } else {
            i = hay.index(after: i)
        }
    }
    return ranges
}

private func matchEnd(_ hay: String.UTF8View, from start: String.Index, _ needle: [UInt8]) -> String.Index? {
    var j = start
    for byte in needle {
        guard j != hay.endIndex, hay[j] == byte else { return nil }
        j = hay.index(after: j)
    }
    return j
}
