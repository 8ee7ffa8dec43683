import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// BertNormalizer, StripAccents and BERT's punctuation test against Hugging Face `tokenizers` on
/// every code point (tools/make_tokenizer_cases.py --only bert), whose Unicode tables are older than
/// Swift's: unassigned and newly assigned code points must be treated as `tokenizers` treats them.
struct BertNormalizerTests {
    static let fixture = "tokenizers/bert_normalizer.json"

    /// "41-5A" / "FFFD" → the code points of the range.
    static func codePoints(_ ranges: [JSONValue]) throws -> [UInt32] {
        try ranges.flatMap { item -> ClosedRange<UInt32> in
            let text = try #require(item.stringValue)
            let bounds = try text.split(separator: "-").map { try #require(UInt32($0, radix: 16)) }
            return bounds[0]...bounds[bounds.count - 1]
        }
    }

    /// The expected output of every code point that a step changes.
    static func table(_ step: JSONValue) throws -> [UInt32: [UInt32]] {
        var table = [UInt32: [UInt32]]()
        for c in try codePoints(step["removed"]?.arrayValue ?? []) { table[c] = [] }
        for c in try codePoints(step["space"]?.arrayValue ?? []) { table[c] = [0x20] }
        for c in try codePoints(step["padded"]?.arrayValue ?? []) { table[c] = [0x20, c, 0x20] }
        for (key, value) in step["mapped"]?.objectMembers ?? [] {
            let out = try #require(value.stringValue).split(separator: " ").map { try #require(UInt32($0, radix: 16)) }
            table[try #require(UInt32(key, radix: 16))] = out
        }
        return table
    }

    /// Every scalar but `|`, each run through `normalize` alone: joined by `|` (a starter no step
    /// changes, so NFD cannot reorder across it) in batches, and split again.
    static func mismatches(_ normalizer: Normalizer, _ expected: [UInt32: [UInt32]]) throws -> [String] {
        let scalars = (0..<UInt32(0x110000)).compactMap(Unicode.Scalar.init).filter { $0 != "|" }
        var wrong = [String]()
        for start in stride(from: 0, to: scalars.count, by: 8192) {
            let batch = scalars[start..<min(start + 8192, scalars.count)]
            var joined = String.UnicodeScalarView()
            for c in batch {
                if !joined.isEmpty { joined.append("|") }
                joined.append(c)
            }
            let out = try normalizer.normalize(String(joined), file: fixture)
            let parts = out.unicodeScalars.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == batch.count else { return ["\(parts.count) outputs for \(batch.count) code points"] }
            for (c, part) in zip(batch, parts) {
                let got = part.map(\.value), want = expected[c.value] ?? [c.value]
                if got != want && wrong.count < 12 {
                    wrong.append("U+\(String(c.value, radix: 16, uppercase: true)): \(got.map { String($0, radix: 16) }) ≠ \(want.map { String($0, radix: 16) })")
                }
            }
        }
        return wrong
    }

    @Test(arguments: ["clean_text", "handle_chinese_chars", "strip_accents", "lowercase", "strip_accents_normalizer"])
    func everyCodePointMatchesTokenizers(step: String) throws {
        let json = try JSONParser.parseFile(Fixtures.path(Self.fixture))
        let expected = try Self.table(try #require(json["steps"]?[step], "\(step)"))
        let normalizer: Normalizer = switch step {
        case "clean_text": .bert(cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false)
        case "handle_chinese_chars": .bert(cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false)
        case "strip_accents": .bert(cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false)
        case "lowercase": .bert(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: true)
        default: .stripAccents
        }
        let wrong = try Self.mismatches(normalizer, expected)
        #expect(wrong.isEmpty, "\(step): \(wrong.joined(separator: "; "))")
    }

    /// The code points the Punctuation pre-tokenizer (and BertPreTokenizer) isolate.
    @Test func punctuationMatchesTokenizers() throws {
        let json = try JSONParser.parseFile(Fixtures.path(Self.fixture))
        let split = Set(try Self.codePoints(try #require(json["steps"]?["punctuation"]?["split"]?.arrayValue)))
        var wrong = [String]()
        for c in (0..<UInt32(0x110000)).compactMap(Unicode.Scalar.init) where c != "x" {
            if UnicodeClasses.isBertPunctuation(c) != split.contains(c.value) && wrong.count < 12 {
                wrong.append("U+\(String(c.value, radix: 16, uppercase: true))")
            }
        }
        #expect(split.count > 700)
        #expect(wrong.isEmpty, "punctuation differs at \(wrong)")
    }

    /// Samples of every general category and the tricky code points, through five flag combinations.
    @Test func sampleTextsMatchTokenizers() throws {
        let rows = try Fixtures.rows(Self.fixture, "texts", minimum: 200)
        for row in rows {
            let text = try #require(row["text"]?.stringValue)
            let config = JSONFields(try #require(row["config"]), place: "config", file: Self.fixture)
            let lowercase = try config.bool("lowercase", default: true)
            let normalizer = Normalizer.bert(cleanText: try config.bool("clean_text", default: true),
                                             handleChineseChars: try config.bool("handle_chinese_chars", default: true),
                                             stripAccents: try config.optionalBool("strip_accents") ?? lowercase,
                                             lowercase: lowercase)
            let got = try normalizer.normalize(text, file: Self.fixture)
            let want = try #require(row["normalized"]?.stringValue)
            #expect(got.unicodeScalars.elementsEqual(want.unicodeScalars),
                    "\(row["config"]!) \(text.debugDescription): \(got.debugDescription) ≠ \(want.debugDescription)")
        }
    }

    /// The same texts through the WordPiece fixture: unassigned code points become `[UNK]`.
    @Test func sampleTextsTokenizeLikeTokenizers() throws {
        let cases = try Fixtures.cases(Self.fixture, under: "tokenizers")
        #expect(try HuggingFaceParityTests.check(cases) >= 40)
    }
}
