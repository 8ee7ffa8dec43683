import TLCore

/// A regular expression from tokenizer.json, matched on Unicode scalars (code points)
/// as Oniguruma does in Hugging Face `tokenizers`, never on grapheme clusters: an emoji
/// joined with ZWJs is several scalars there, and must be here. Matching is bounded
/// (`RegexMatcher`): a catastrophic pattern ends in an error, not a hang.
struct CompiledRegex: @unchecked Sendable {
    // RegexProgram is an immutable value; the Swift Regex (for \p{Script} only) is only read.
    let program: RegexProgram
    let source: String
    let place: String
    let file: String
    private let swiftRegex: Regex<AnyRegexOutput>?

    init(_ source: String, place: String, file: String) throws(TLError) {
        do {
            program = try RegexProgram(try RegexParser.parse(source))
        } catch let failure as RegexParser.Failure {
            throw .badFile(path: file, problem: "\(place): unsupported regular expression \(source.debugDescription): \(failure.message)")
        } catch let failure as RegexProgram.Failure {
            throw .badFile(path: file, problem: "\(place): regular expression \(source.debugDescription): \(failure.message)")
        } catch {
            throw .badFile(path: file, problem: "\(place): unsupported regular expression \(source.debugDescription)")
        }
        self.source = source
        self.place = place
        self.file = file
        swiftRegex = nil
    }

    private init(swift regex: Regex<AnyRegexOutput>, source: String) throws {
        program = try RegexProgram(.empty)
        swiftRegex = regex
        self.source = source
        place = ""
        file = ""
    }

    /// A Swift Regex for a Unicode property Swift knows by name (`\p{Han}`), tested on one scalar.
    static func swiftRegex(_ source: String) throws -> CompiledRegex {
        try CompiledRegex(swift: try Regex(source).matchingSemantics(.unicodeScalar), source: source)
    }

    func matchesWhole(_ text: String) -> Bool {
        guard let swiftRegex else { return false }
        return (try? swiftRegex.wholeMatch(in: text)) != nil
    }

    /// Non-overlapping matches, leftmost first; after an empty match the search moves on one
    /// scalar, and an empty match right after a match is skipped (rust-onig's `find_iter`).
    func matchRanges(in text: String) throws(TLError) -> [Range<String.Index>] {
        let scalars = Array(text.unicodeScalars)
        var utf8Offsets = [Int]()
        utf8Offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for c in scalars {
            utf8Offsets.append(offset)
            offset += UTF8.width(c)
        }
        utf8Offsets.append(offset)
        func index(_ i: Int) -> String.Index { text.utf8.index(text.utf8.startIndex, offsetBy: utf8Offsets[i]) }

        var matcher = RegexMatcher(program, text: scalars)
        var ranges = [Range<String.Index>]()
        var from = 0
        var lastEnd: Int? = nil
        do {
            while from <= scalars.count, let found = try matcher.search(from: from) {
                if found.isEmpty && lastEnd == found.lowerBound {
                    from = found.lowerBound + 1
                    continue
                }
                ranges.append(index(found.lowerBound)..<index(found.upperBound))
                lastEnd = found.upperBound
                from = found.upperBound
            }
        } catch {
            throw .badFile(path: file, problem: "\(place): regular expression \(source.debugDescription) gave up after "
                           + "\(error.steps) steps on a text of \(scalars.count) characters (catastrophic backtracking)")
        }
        return ranges
    }
}

/// What a Split pre-tokenizer or a Replace normalizer/decoder looks for.
enum TextPattern: Sendable {
    case literal(String)
    case regex(CompiledRegex)

    /// Non-overlapping matches, leftmost first, as scalar-aligned ranges.
    func matchRanges(in text: String) throws(TLError) -> [Range<String.Index>] {
        switch self {
        case .regex(let regex):
            return try regex.matchRanges(in: text)
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
