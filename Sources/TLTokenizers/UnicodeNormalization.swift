import Foundation

/// NFC/NFD/NFKC/NFKD as `tokenizers`' `unicode-normalization-alignments` (Unicode 9.0) computes
/// them. A code point assigned after 9.0 is unassigned there: a starter that neither decomposes,
/// composes nor takes part in reordering (U+11938 stays whole). So the text is normalized by
/// Foundation piecewise between such code points, which are kept as they are.
enum UnicodeNormalization: Sendable {
    case nfc, nfd, nfkc, nfkd

    func apply(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: Self.isNewer) else { return whole(text) }
        var out = String.UnicodeScalarView()
        var start = scalars.startIndex
        for i in scalars.indices where Self.isNewer(scalars[i]) {
            out.append(contentsOf: whole(String(scalars[start..<i])).unicodeScalars)
            out.append(scalars[i])
            start = scalars.index(after: i)
        }
        out.append(contentsOf: whole(String(scalars[start...])).unicodeScalars)
        return String(out)
    }

    /// Assigned, but after the normalization tables of `tokenizers` (everything below U+0370 is older).
    private static func isNewer(_ c: Unicode.Scalar) -> Bool {
        c.value >= 0x370 && c.properties.age != nil && !UnicodeClasses.isAssigned(c, by: UnicodeClasses.normalizationVersion)
    }

    private func whole(_ text: String) -> String {
        switch self {
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        }
    }
}
