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
        kept = joiningNeighbours(segments, backwards: false) { isMatch, previousMatch in isMatch == previousMatch }
    case .mergedWithPrevious:
        kept = joiningNeighbours(segments, backwards: false) { isMatch, previousMatch in isMatch && !previousMatch }
    case .mergedWithNext:
        kept = joiningNeighbours(segments, backwards: true) { isMatch, previousMatch in isMatch && !previousMatch }
    }
    return kept
}

/// Walks the segments (from the end when `backwards`), joining each to the part kept just
/// before it in the walk when `joins(isMatch, previousIsMatch)`; the parts come out in text order.
private func joiningNeighbours(_ segments: [(range: Range<String.Index>, isMatch: Bool)], backwards: Bool,
                               joins: (Bool, Bool) -> Bool) -> [Range<String.Index>] {
    var kept = [Range<String.Index>]()
    var previousMatch = false
    for s in backwards ? segments.reversed() : segments {
        if joins(s.isMatch, previousMatch), let last = kept.last {
            kept[kept.count - 1] = min(last.lowerBound, s.range.lowerBound)..<max(last.upperBound, s.range.upperBound)
        } else {
            kept.append(s.range)
        }
        previousMatch = s.isMatch
    }
    return backwards ? kept.reversed() : kept
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
