import TLCore

/// A piece of text on its way to the model. `atOrigin` says whether it starts at
/// offset 0 of the original input, which Metaspace's `prepend_scheme: first` tests.
struct TextPiece: Sendable {
    var text: String
    var atOrigin: Bool
}

/// tokenizer.json's `pre_tokenizer`: splits normalized text into the words the model
/// tokenizes one at a time.
indirect enum PreTokenizer: Sendable {
    enum PrependScheme: String, Sendable { case first, always, never }

    case sequence([PreTokenizer])
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool, regex: CompiledRegex)
    case split(TextPattern, SplitBehavior, invert: Bool)
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool)
    case bert
    case whitespace
    case whitespaceSplit
    case digits(individual: Bool)
    case punctuation(SplitBehavior)
    case charDelimiter(Unicode.Scalar)

    /// GPT-2's word pattern, which the ByteLevel pre-tokenizer applies when `use_regex`.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    static func parse(_ json: JSONFields) throws(TLError) -> PreTokenizer {
        let type = try json.type()
        switch type {
        case "Sequence":
            var steps = [PreTokenizer]()
            for item in try json.objects("pretokenizers") { steps.append(try parse(item)) }
            return .sequence(steps)
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                              useRegex: try json.bool("use_regex", default: true),
                              regex: try CompiledRegex(gpt2Pattern, place: json.place, file: json.file))
        case "Split":
            return .split(try json.pattern("pattern"), try behavior(json, "behavior", default: nil),
                          invert: try json.bool("invert", default: false))
        case "Metaspace":
            let scheme: PrependScheme
            if let raw = try json.optionalString("prepend_scheme") {
                guard let s = PrependScheme(rawValue: raw) else {
                    throw json.fail("prepend_scheme", "unknown scheme '\(raw)'")
                }
                scheme = s
            } else {
                scheme = .always
            }
            // The older key `add_prefix_space: false` means "never".
            let addPrefixSpace = try json.optionalBool("add_prefix_space")
            return .metaspace(replacement: try json.character("replacement"),
                              prependScheme: addPrefixSpace == false ? .never : scheme,
                              split: try json.bool("split", default: true))
        case "BertPreTokenizer": return .bert
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Digits": return .digits(individual: try json.bool("individual_digits", default: false))
        case "Punctuation": return .punctuation(try behavior(json, "behavior", default: .isolated))
        case "CharDelimiterSplit": return .charDelimiter(try json.character("delimiter"))
        default:
            throw .unsupported("\(json.file): unsupported pre-tokenizer type '\(type)' (at \(json.place))")
        }
    }

    private static func behavior(_ json: JSONFields, _ key: String,
                                 default fallback: SplitBehavior?) throws(TLError) -> SplitBehavior {
        guard let raw = try json.optionalString(key) else {
            if let fallback { return fallback }
            throw json.fail(key, "missing split behavior")
        }
        guard let behavior = SplitBehavior(rawValue: raw) else { throw json.fail(key, "unknown split behavior '\(raw)'") }
        return behavior
    }

    func preTokenize(_ pieces: [TextPiece]) throws(TLError) -> [TextPiece] {
        switch self {
        case .sequence(let steps):
            var current = pieces
            for step in steps { current = try step.preTokenize(current) }
            return current
        case .byteLevel(let addPrefixSpace, let useRegex, let regex):
            var out = [TextPiece]()
            for var piece in pieces {
                if addPrefixSpace && !piece.text.startsWithScalar(" ") { piece.text = " " + piece.text }
                let words = useRegex
                    ? Self.split(piece, splitRanges(piece.text, matches: try regex.matchRanges(in: piece.text), behavior: .isolated))
                    : [piece]
                out += words.map { TextPiece(text: ByteLevelAlphabet.encode($0.text), atOrigin: $0.atOrigin) }
            }
            return out
        case .split(let pattern, let behavior, let invert):
            var out = [TextPiece]()
            for piece in pieces {
                out += Self.split(piece, splitRanges(piece.text, matches: try pattern.matchRanges(in: piece.text),
                                                     behavior: behavior, invert: invert))
            }
            return out
        case .metaspace(let replacement, let scheme, let split):
            let marker = String(replacement)
            return pieces.flatMap { piece -> [TextPiece] in
                var piece = piece
                piece.text = piece.text.replacingScalars(" ", with: marker)
                let prepend = switch scheme {
                case .always: !piece.text.startsWithScalar(replacement)
                case .first: !piece.text.startsWithScalar(replacement) && piece.atOrigin
                case .never: false
                }
                if prepend { piece.text = marker + piece.text }
                guard split else { return [piece] }
                return Self.split(piece, splitRanges(piece.text, matches: scalarMatches(piece.text) { $0 == replacement },
                                                     behavior: .mergedWithNext))
            }
        case .bert:
            let words = pieces.flatMap { Self.splitOnScalars($0, UnicodeClasses.isWhitespace, .removed) }
            return words.flatMap { Self.splitOnScalars($0, UnicodeClasses.isBertPunctuation, .isolated) }
        case .whitespace:
            return pieces.flatMap { Self.split($0, Self.wordRuns($0.text)) }
        case .whitespaceSplit:
            return pieces.flatMap { Self.splitOnScalars($0, UnicodeClasses.isWhitespace, .removed) }
        case .digits(let individual):
            return pieces.flatMap { Self.splitOnScalars($0, UnicodeClasses.isNumeric, individual ? .isolated : .contiguous) }
        case .punctuation(let behavior):
            return pieces.flatMap { Self.splitOnScalars($0, UnicodeClasses.isBertPunctuation, behavior) }
        case .charDelimiter(let delimiter):
            return pieces.flatMap { Self.splitOnScalars($0, { $0 == delimiter }, .removed) }
        }
    }

    /// The matches of `\w+|[^\w\s]+` (Rust regex's Unicode classes): runs of word
    /// characters and runs of other non-space characters; whitespace dropped.
    private static func wordRuns(_ text: String) -> [Range<String.Index>] {
        enum Kind { case word, space, other }
        func kind(_ c: Unicode.Scalar) -> Kind {
            UnicodeClasses.isWordCharacter(c) ? .word : UnicodeClasses.isWhitespace(c) ? .space : .other
        }
        var runs = [Range<String.Index>]()
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while i != scalars.endIndex {
            let k = kind(scalars[i])
            var j = scalars.index(after: i)
            while j != scalars.endIndex, kind(scalars[j]) == k { j = scalars.index(after: j) }
            if k != .space { runs.append(i..<j) }
            i = j
        }
        return runs
    }

    private static func splitOnScalars(_ piece: TextPiece, _ predicate: (Unicode.Scalar) -> Bool,
                                       _ behavior: SplitBehavior) -> [TextPiece] {
        split(piece, splitRanges(piece.text, matches: scalarMatches(piece.text, predicate), behavior: behavior))
    }

    /// The non-empty parts of `piece` at `ranges`.
    private static func split(_ piece: TextPiece, _ ranges: [Range<String.Index>]) -> [TextPiece] {
        ranges.compactMap { range in
            range.isEmpty ? nil : TextPiece(text: piece.text.scalarSlice(range),
                                            atOrigin: piece.atOrigin && range.lowerBound == piece.text.startIndex)
        }
    }
}
