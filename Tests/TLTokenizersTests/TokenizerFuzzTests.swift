import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// Hostile tokenizer.json files, generated: regex bombs, normalizer bombs, deep nesting of
/// Sequence normalizers and pre-tokenizers, huge repetition counts. Every one ends in ids or a
/// one-line `TLError` naming the file, within 5 s of CPU, and the process stays under 512 MB.
struct TokenizerFuzzTests {
    static let regexes = [
        "(a+)+$", "(a|a)*b", "(a*)*$", "((a+)+)+c", "(x+x+)+y", "(a|aa)*c", "(.*a){12}", "(a*)*b|a+$", "^(a+)+",
        "(?=(a+)+$)a", "(?!(a+)+$)b", "(?>(a+)+)b", "(a++)+$", "(a+?)+?$", "(?i:(A+)+)$", "[a-z]+(a+)+$",
        "a{100000}", "(a{1,100}){1,100}", "a{1000}{1000}", "(?<=a+)b", "(?<=a{1,9})b", "a{,65536}?",
        String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200),
        String(repeating: "[", count: 100) + "a" + String(repeating: "]", count: 100),
        "[a" + String(repeating: "&&[a", count: 100) + String(repeating: "]", count: 101),
        "(", "[", "a{2,1}", "\\", "(?<name", "\\p{NoSuchProperty}", "\\1", "a**", "(?", "\\x{110000}",
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#,
    ]

    static func quoted(_ s: String) -> String { JSONWriter.quoted(s) }

    struct Generator {
        var rng: SplitMix64

        mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

        mutating func pattern() -> String {
            chance(30) ? #"{"String": \#(quoted(pick(["a", "aa", "b", " ", ""])))}"#
                       : #"{"Regex": \#(quoted(pick(TokenizerFuzzTests.regexes)))}"#
        }

        /// Sometimes (when `depth` allows) a Sequence of 1...`maxItems` children under `member`.
        mutating func sequence(_ member: String, depth: Int, maxItems: UInt64,
                               child: (inout Generator) -> String) -> String? {
            guard depth > 0 && chance(40) else { return nil }
            let n = Int(rng.next() % maxItems) + 1
            var steps = [String]()
            for _ in 0..<n { steps.append(child(&self)) }
            return #"{"type": "Sequence", "\#(member)": [\#(steps.joined(separator: ","))]}"#
        }

        mutating func normalizer(depth: Int) -> String {
            if let s = sequence("normalizers", depth: depth, maxItems: 4, child: { $0.normalizer(depth: depth - 1) }) { return s }
            switch rng.next() % 8 {
            case 7: return #"{"type": "Precompiled", "precompiled_charsmap": "\#(charsmap())"}"#
            case 0, 1: return #"{"type": "Replace", "pattern": \#(pattern()), "content": \#(quoted(pick(["aa", "aaaa", "", "b", String(repeating: "a", count: 5000)])))}"#
            case 2: return #"{"type": "Prepend", "prepend": \#(quoted(pick(["▁", String(repeating: "a", count: 10000)])))}"#
            case 3: return #"{"type": "NFKC"}"#
            case 4: return #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#
            case 5: return #"{"type": "StripAccents"}"#
            default: return #"{"type": "Lowercase"}"#
            }
        }

        /// A SentencePiece charsmap of random trie units (a 4-byte little-endian trie size, the
        /// units, then replacement bytes), sometimes with a size its bytes do not hold.
        mutating func charsmap() -> String {
            let units = Int(rng.next() % 64) + 1
            let declared = chance(80) ? units * 4 : Int(rng.next() % 1000)
            var bytes = (0..<4).map { UInt8(truncatingIfNeeded: declared >> (8 * $0)) }
            for _ in 0..<(units * 4 + Int(rng.next() % 32)) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            return Data(bytes).base64EncodedString()
        }

        mutating func preTokenizer(depth: Int) -> String {
            if let s = sequence("pretokenizers", depth: depth, maxItems: 3, child: { $0.preTokenizer(depth: depth - 1) }) { return s }
            switch rng.next() % 5 {
            case 0, 1, 2:
                return #"{"type": "Split", "pattern": \#(pattern()), "behavior": "\#(pick(["Isolated", "Removed", "MergedWithNext", "Contiguous"]))", "invert": \#(chance(50))}"#
            case 3: return #"{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}"#
            default: return #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"#
            }
        }

        mutating func model() -> String {
            switch rng.next() % 4 {
            case 3: return #"{"type": "Unigram", "unk_id": 0, "byte_fallback": \#(chance(50)), "vocab": [["<unk>", 0.0], ["a", -1.0], ["aa", -1.5], ["aaaa", -2.0], ["b", -3.0], ["<0x61>", -9.0]]}"#
            case 0: return #"{"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}"#
            case 1: return ###"{"type": "WordPiece", "vocab": {"a": 0, "##a": 1, "b": 2, "[UNK]": 3}, "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 1000000}"###
            default: return #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "aa": 2, "<unk>": 3}, "merges": ["a a"], "unk_token": "<unk>"}"#
            }
        }

        mutating func file() -> String {
            var members = [#""model": \#(model())"#]
            if chance(70) { members.append(#""normalizer": \#(normalizer(depth: Int(rng.next() % 20)))"#) }
            if chance(70) { members.append(#""pre_tokenizer": \#(preTokenizer(depth: Int(rng.next() % 20)))"#) }
            return "{" + members.joined(separator: ", ") + "}"
        }

        mutating func text() -> String {
            let n = pick([0, 1, 30, 300, 3000])
            return pick([String(repeating: "a", count: n) + "b", String(repeating: "a", count: n),
                         String(repeating: "ab ", count: n / 3), String(repeating: "x", count: n) + "y"])
        }
    }

    /// Loads and encodes one file; the outcome and the time it took.
    static func run(_ file: String, _ text: String) -> (outcome: String, seconds: Double) {
        var outcome = ""
        let seconds = Fixtures.cpuSeconds {
            do throws(TLError) {
                let tokenizer = try Tokenizer(json: try JSONParser.parse(file, path: "fuzz.json"), path: "fuzz.json")
                outcome = "\(try tokenizer.encode(text).ids.count) ids"
            } catch {
                outcome = error.description
            }
        }
        return (outcome, seconds)
    }

    static func check(_ file: String, _ text: String) {
        let (outcome, seconds) = run(file, text)
        #expect(seconds < 5, "\(seconds) s for \(file.prefix(300)) on \(text.count) characters")
        if !outcome.hasSuffix(" ids") {
            #expect(outcome.hasPrefix("fuzz.json: ") && !outcome.contains("\n"), "\(outcome)")
        }
    }

    /// Seeded random files: 120 of them, each on a generated text.
    @Test func generatedFilesEndInIdsOrAnError() {
        var generator = Generator(rng: SplitMix64(seed: 0x70C0_5EED))
        var errors = 0
        for _ in 0..<120 {
            let file = generator.file()
            let text = generator.text()
            Self.check(file, text)
            if !Self.run(file, "").outcome.hasSuffix(" ids") { errors += 1 }
        }
        #expect(errors > 5, "the generator should produce refused files too")
    }

    /// Every pattern of the pool as a Split and as a Replace on a run of `a`s (HostileTokenizerTests
    /// has the 100,000-scalar bomb), nesting past what the JSON parser allows, a doubling chain.
    @Test func everyBombOnARunOfAs() {
        let model = #""model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}"#
        let text = String(repeating: "a", count: 5_000) + "b"
        for regex in Self.regexes {
            Self.check(#"{\#(model), "pre_tokenizer": {"type": "Split", "pattern": {"Regex": \#(Self.quoted(regex))}, "behavior": "Isolated", "invert": false}}"#, text)
            Self.check(#"{\#(model), "normalizer": {"type": "Replace", "pattern": {"Regex": \#(Self.quoted(regex))}, "content": "aa"}}"#, text)
        }
        var nested = #"{"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}"#
        for _ in 0..<40 { nested = #"{"type": "Sequence", "normalizers": [\#(nested), {"type": "Lowercase"}]}"# }
        Self.check(#"{\#(model), "normalizer": \#(nested)}"#, "aaaa")
        let doubling = Array(repeating: #"{"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}"#, count: 30)
        Self.check(#"{\#(model), "normalizer": {"type": "Sequence", "normalizers": [\#(doubling.joined(separator: ","))]}}"#, text)
        let (outcome, _) = Self.run(#"{\#(model), "normalizer": {"type": "Sequence", "normalizers": [\#(doubling.joined(separator: ","))]}}"#, text)
        #expect(outcome.contains("normalizer") && outcome.contains("32 times"), "\(outcome)")
    }

    /// The whole run stays under 512 MB (peak resident size of this test process).
    @Test func peakMemoryStaysUnder512MB() {
        Self.check(#"{"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}, "normalizer": {"type": "Replace", "pattern": {"String": "a"}, "content": \#(Self.quoted(String(repeating: "b", count: 100_000)))}}"#,
                   String(repeating: "a", count: 100_000))
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        #expect(usage.ru_maxrss < 512 * 1024, "peak \(usage.ru_maxrss / 1024) MB")
    }
}
