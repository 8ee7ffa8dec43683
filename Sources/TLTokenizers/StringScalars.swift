/// Scalar-exact string operations. Swift's own `String` comparisons and searches treat
/// canonically equivalent text as equal and work on grapheme clusters; a tokenizer must
/// see every Unicode scalar as written.
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
