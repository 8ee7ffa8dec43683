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

/// What happens to the delimiters a split finds (tokenizers' SplitDelimiterBehavior).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"
}

/// Splits `text` around `matches` (ordered, non-overlapping) per `behavior`; the
/// parts are returned as scalar ranges of `text`, possibly empty.
func splitRanges(_ text: String, matches: [Range<String.Index>], behavior: SplitBehavior,
                 invert: Bool = false) -> [Range<String.Index>] {
    // Cover the whole text with (range, isMatch) segments.
    var segments = [(range: Range<String.Index>, isMatch: Bool)]()
    if text.isEmpty {
        segments = [(text.startIndex..<text.endIndex, false)]
    } else {
        var previous = text.startIndex
        for m in matches {
            if previous != m.lowerBound { segments.append((previous..<m.lowerBound, false)) }
            segments.append((m, true))
            previous = m.upperBound
        }
        if previous != text.endIndex { segments.append((previous..<text.endIndex, false)) }
    }
    if invert { segments = segments.map { ($0.range, !$0.isMatch) } }

    var kept = [Range<String.Index>]()
    switch behavior {
    case .isolated:
        kept = segments.map(\.range)
    case .removed:
        kept = segments.filter { !$0.isMatch }.map(\.range)
    case .contiguous:
        var previousMatch = false
        for s in segments {
            if s.isMatch == previousMatch, let last = kept.last {
                kept[kept.count - 1] = last.lowerBound..<s.range.upperBound
            } else {
                kept.append(s.range)
            }
            previousMatch = s.isMatch
        }
    case .mergedWithPrevious:
        var previousMatch = false
        for s in segments {
            if s.isMatch && !previousMatch, let last = kept.last {
                kept[kept.count - 1] = last.lowerBound..<s.range.upperBound
            } else {
                kept.append(s.range)
            }
            previousMatch = s.isMatch
        }
    case .mergedWithNext:
        var previousMatch = false
        for s in segments.reversed() {
            if s.isMatch && !previousMatch, let last = kept.last {
                kept[kept.count - 1] = s.range.lowerBound..<last.upperBound
            } else {
                kept.append(s.range)
            }
            previousMatch = s.isMatch
        }
        kept.reverse()
    }
    return kept
}

/// Matches of a per-scalar predicate, one scalar each (tokenizers' `Fn(char) -> bool` pattern).
func scalarMatches(_ text: String, _ predicate: (Unicode.Scalar) -> Bool) -> [Range<String.Index>] {
    var ranges = [Range<String.Index>]()
    let scalars = text.unicodeScalars
    var i = scalars.startIndex
    while i != scalars.endIndex {
        let next = scalars.index(after: i)
        if predicate(scalars[i]) { ranges.append(i..<next) }
        i = next
    }
    return ranges
}

extension String {
    /// The exact scalars of `range` (String's own subscript works on Characters).
    func scalarSlice(_ range: Range<String.Index>) -> String {
        String(unicodeScalars[range])
    }

    /// Scalar-exact prefix test (`hasPrefix` compares canonically equivalent text as equal).
    func startsWithScalars(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    func startsWithScalar(_ scalar: Unicode.Scalar) -> Bool {
        unicodeScalars.first == scalar
    }

    /// Scalar-exact equality.
    func sameScalars(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Every occurrence of `literal` replaced, compared byte for byte.
    func replacingScalars(_ literal: String, with replacement: String) -> String {
        replacing(ranges: literalRanges(of: literal, in: self), with: replacement)
    }

    func replacing(ranges: [Range<String.Index>], with replacement: String) -> String {
        guard !ranges.isEmpty else { return self }
        var result = String.UnicodeScalarView()
        var previous = startIndex
        for r in ranges {
            result.append(contentsOf: unicodeScalars[previous..<r.lowerBound])
            result.append(contentsOf: replacement.unicodeScalars)
            previous = r.upperBound
        }
        result.append(contentsOf: unicodeScalars[previous..<endIndex])
        return String(result)
    }
}
