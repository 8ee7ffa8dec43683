import Foundation
import TLCore

/// tokenizer.json's `normalizer`: rewrites each piece of text between added tokens
/// before pre-tokenization.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    case prepend(String)
    case replace(TextPattern, String)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case strip(left: Bool, right: Bool)
    case stripAccents
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case byteLevel
    /// SentencePiece's compiled rules (T5, ALBERT, XLNet).
    case precompiled(PrecompiledCharsMap)

    static func parse(_ json: JSONFields) throws(TLError) -> Normalizer {
        let type = try json.type()
        switch type {
        case "Sequence":
            var steps = [Normalizer]()
            for item in try json.objects("normalizers") { steps.append(try parse(item)) }
            return .sequence(steps)
        case "Prepend": return .prepend(try json.string("prepend"))
        case "Replace": return .replace(try json.pattern("pattern"), try json.string("content"))
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(left: try json.bool("strip_left", default: true),
                          right: try json.bool("strip_right", default: true))
        case "StripAccents": return .stripAccents
        case "BertNormalizer":
            let lowercase = try json.bool("lowercase", default: true)
            return .bert(cleanText: try json.bool("clean_text", default: true),
                         handleChineseChars: try json.bool("handle_chinese_chars", default: true),
                         // strip_accents: null means "follow lowercase".
                         stripAccents: try json.optionalBool("strip_accents") ?? lowercase,
                         lowercase: lowercase)
        case "ByteLevel": return .byteLevel
        case "Precompiled":
            guard let map = try json.optionalString("precompiled_charsmap"), !map.isEmpty else {
                throw json.fail("precompiled_charsmap", "expected SentencePiece's compiled rules (base64), as tokenizers does")
            }
            return .precompiled(try PrecompiledCharsMap(base64: map, file: json.file))
        default:
            throw .unsupported("\(json.file): unsupported normalizer type '\(type)' (at \(json.place))")
        }
    }

    /// A normalizer chain may make text at most this many times longer (UTF-8 bytes, plus
    /// `growthAllowance`): NFKD's longest expansion is 11 times, BERT's spacing of CJK under 2;
    /// a chain of doubling `Replace`s is a bomb.
    static let maxGrowth = 32
    static let growthAllowance = 4096

    /// `text` normalized; a chain that grows it past `maxGrowth` times is refused.
    func normalize(_ text: String, file: String) throws(TLError) -> String {
        try normalize(text, limit: text.utf8.count * Self.maxGrowth + Self.growthAllowance, file: file)
    }

    private func normalize(_ text: String, limit: Int, file: String) throws(TLError) -> String {
        func checked(_ bytes: Int) throws(TLError) {
            guard bytes <= limit else {
                throw .badFile(path: file, problem: "normalizer: grows the text past \(limit) bytes (\(Self.maxGrowth) times "
                               + "its input + \(Self.growthAllowance)): a chain of growing normalizers")
            }
        }
        switch self {
        case .sequence(let steps):
            var s = text
            for step in steps {
                s = try step.normalize(s, limit: limit, file: file)
                try checked(s.utf8.count)
            }
            return s
        case .prepend(let prefix):
            try checked(text.utf8.count + prefix.utf8.count)
            return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content):
            let ranges = try pattern.matchRanges(in: text)
            let removed = ranges.reduce(0) { $0 + text.utf8[$1].count }
            try checked(text.utf8.count - removed + ranges.count * content.utf8.count)
            return text.replacing(ranges: ranges, with: content)
        case .nfc: return UnicodeNormalization.nfc.apply(text)
        case .nfd: return UnicodeNormalization.nfd.apply(text)
        case .nfkc: return UnicodeNormalization.nfkc.apply(text)
        case .nfkd: return UnicodeNormalization.nfkd.apply(text)
        case .lowercase: return Self.lowercased(text)
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars
            if left { while let c = scalars.first, UnicodeClasses.isWhitespace(c) { scalars.removeFirst() } }
            if right { while let c = scalars.last, UnicodeClasses.isWhitespace(c) { scalars.removeLast() } }
            return String(scalars)
        case .stripAccents:
            return Self.filter(text) { !UnicodeClasses.isCombiningMark($0) }
        case .bert(let cleanText, let handleChineseChars, let stripAccents, let lowercase):
            var s = text
            if cleanText { s = Self.bertClean(s) }
            if handleChineseChars { s = Self.spaceChineseChars(s) }
            if stripAccents {
                s = Self.filter(UnicodeNormalization.nfd.apply(s)) { !UnicodeClasses.isNonspacingMark($0) }
            }
            if lowercase { s = Self.lowercased(s) }
            return s
        case .byteLevel:
            return ByteLevelAlphabet.encode(text)
        case .precompiled(let map):
            let s = map.normalize(text)
            try checked(s.utf8.count)
            return s
        }
    }

    /// Per-scalar full lowercase mapping (Rust's `char::to_lowercase`, no final-sigma context).
    static func lowercased(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars { out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars) }
        return String(out)
    }

    static func filter(_ text: String, _ keep: (Unicode.Scalar) -> Bool) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars where keep(c) { out.append(c) }
        return String(out)
    }

    /// Drops NUL, U+FFFD and control, format and private-use characters (tab, CR and LF excepted);
    /// every whitespace becomes a space. Unassigned code points stay.
    private static func bertClean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            let tabOrNewline = c == "\t" || c == "\n" || c == "\r"
            if c.value == 0 || c.value == 0xFFFD || (!tabOrNewline && UnicodeClasses.isOther(c)) { continue }
            out.append(tabOrNewline || UnicodeClasses.isWhitespace(c) ? " " : c)
        }
        return String(out)
    }

    private static func spaceChineseChars(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            if UnicodeClasses.isChineseChar(c) {
                out.append(" "); out.append(c); out.append(" ")
            } else {
                out.append(c)
            }
        }
        return String(out)
    }
}
