import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// T5's SentencePiece Unigram tokenizer (tools/make_t5_fixtures.py: trained by `sentencepiece`
/// with its nmt_nfkc rules, converted by transformers, run by `tokenizers`): the Precompiled
/// normaliser, Viterbi segmentation, fused unknowns, byte fallback, `</s>` appended.
struct UnigramParityTests {
    static let file = "tokenizers/unigram_cases.json"

    @Test func encodingsEqualTokenizers() throws {
        let cases = try Fixtures.cases(Self.file, under: "tokenizers")
        #expect(Set(cases.map(\.directory)) == ["tokenizers/unigram", "tokenizers/unigram-bytefallback", "tokenizers/unigram-legacy"])
        #expect(try HuggingFaceParityTests.check(cases) >= 200)
    }

    /// The normaliser alone over blocks of consecutive code points (Latin, punctuation, letterlike
    /// symbols, number forms, CJK symbols, full-width forms, mathematical letters, Hangul, combining marks, Thai).
    @Test func precompiledNormalizerEqualsTokenizers() throws {
        guard let list = try JSONParser.parseFile(Fixtures.path(Self.file)).arrayValue else {
            Issue.record("cases are not a list")
            return
        }
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/unigram/tokenizer.json"))
        var checked = 0
        for c in list where c["tokenizer"]?.stringValue == "unigram" {
            guard let text = c["text"]?.stringValue, let expected = c["normalized"]?.stringValue else { continue }
            let ours = try #require(tokenizer.normalizer).normalize(text, file: "unigram")
            #expect(ours.unicodeScalars.elementsEqual(expected.unicodeScalars),
                    "\(text.debugDescription): ours \(ours.debugDescription), tokenizers \(expected.debugDescription)")
            checked += 1
        }
        #expect(checked >= 80)
    }

    @Test(arguments: [("not base64!", "base64"), ("QAAAAA==", "trie")])
    func aCorruptCharsMapIsRefused(_ charsmap: String, _ problem: String) throws {
        let text = """
        {"normalizer": {"type": "Precompiled", "precompiled_charsmap": "\(charsmap)"},
         "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}}
        """
        do {
            _ = try Tokenizer(json: try JSONParser.parse(text, path: "bad.json"), path: "bad.json")
            Issue.record("\(charsmap) accepted")
        } catch {
            #expect("\(error)".contains("bad.json") && "\(error)".contains(problem), "\(error)")
        }
    }
}
