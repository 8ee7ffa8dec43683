/// Character classes as Rust's `char` methods and the `unicode_categories` crate
/// define them, which is what tokenizers' normalizers and pre-tokenizers test.
///
/// Those crates carry older Unicode tables than Swift's (Fixtures/tokenizers/bert_normalizer.json
/// compares every code point): `unicode_categories` is Unicode 8.0 and
/// `unicode-normalization-alignments` 9.0, so a code point assigned later is unassigned there
/// (neither control, mark nor punctuation), and the few whose category changed since keep their
/// old one. Rust's own `char` tables (`is_whitespace`, `to_lowercase`, `is_numeric`) are current
/// and agree with Swift's.
enum UnicodeClasses {
    /// The Unicode version of `unicode_categories` (general categories).
    static let categoriesVersion: Unicode.Version = (8, 0)
    /// The Unicode version of `unicode-normalization-alignments` (NFD/NFC, combining marks).
    static let normalizationVersion: Unicode.Version = (9, 0)

    /// Whether `c` was assigned by Unicode `version` (Swift's `age`; nil for unassigned).
    static func isAssigned(_ c: Unicode.Scalar, by version: Unicode.Version) -> Bool {
        guard let age = c.properties.age else { return false }
        return (age.major, age.minor) <= (version.major, version.minor)
    }

    /// `unicode_categories`' general category: Swift's, for code points assigned by Unicode 8.0.
    private static func categoryInUnicode8(_ c: Unicode.Scalar) -> Unicode.GeneralCategory {
        isAssigned(c, by: categoriesVersion) ? c.properties.generalCategory : .unassigned
    }

    /// Rust `char::is_whitespace`: the White_Space property.
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    /// Rust `char::is_numeric`: general category Nd, Nl or No.
    static func isNumeric(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `unicode_categories` `is_punctuation`: Pc Pd Ps Pe Pi Pf Po (Unicode 8.0; U+166D and
    /// U+111C9 were Po then).
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.value == 0x166D || c.value == 0x111C9 { return true }
        switch categoryInUnicode8(c) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// ASCII punctuation or Unicode punctuation, as the Bert and Punctuation pre-tokenizers split.
    static func isBertPunctuation(_ c: Unicode.Scalar) -> Bool {
        (c.isASCII && isASCIIPunctuation(c)) || isPunctuation(c)
    }

    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// `unicode_categories` `is_other`: Cc Cf Co Cs of Unicode 8.0. Not Cn: that crate has no
    /// table for unassigned code points, so BERT's clean_text keeps them (they become `[UNK]`).
    static func isOther(_ c: Unicode.Scalar) -> Bool {
        switch categoryInUnicode8(c) {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// `unicode_categories` `is_mark_nonspacing` (Unicode 8.0): U+1734 and U+1171E were Mn then;
    /// U+1885, U+1886, U+A9BD and U+111C9 were not.
    static func isNonspacingMark(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x1734, 0x1171E: return true
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: return categoryInUnicode8(c) == .nonspacingMark
        }
    }

    /// `unicode-normalization-alignments` `is_combining_mark` (Mn, Mc, Me of Unicode 9.0), what the
    /// StripAccents normalizer removes: U+1CF2 and U+1CF3 were Mc then, U+111C9 was Po.
    static func isCombiningMark(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x1CF2, 0x1CF3: return true
        case 0x111C9: return false
        default: break
        }
        guard isAssigned(c, by: normalizationVersion) else { return false }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT surrounds with spaces.
    static func isChineseChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// Rust regex's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        let p = c.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
