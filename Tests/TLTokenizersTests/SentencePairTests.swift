import Testing
import TLCore
import TLFormats
import TLTokenizers
import TLTestSupport

/// Sentence pairs and type ids (BERT's `[CLS] A [SEP] B [SEP]`) against Hugging Face `tokenizers`'
/// `encode(a, b)` (Fixtures/tokenizers/pair_cases.json, tools/fixture_tokenizers.py).
struct SentencePairTests {
    @Test func pairsEqualTokenizers() throws {
        guard let list = try JSONParser.parseFile(Fixtures.path("tokenizers/pair_cases.json")).arrayValue else {
            Issue.record("pair_cases.json is not a list")
            return
        }
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/wordpiece/tokenizer.json"))
        var checked = 0, withPair = 0
        for c in list {
            let text = try #require(c["text"]?.stringValue)
            let pair = c["pair"]?.stringValue
            guard let special = c["add_special_tokens"]?.boolValue else {
                Issue.record("case without add_special_tokens: \(text.debugDescription)"); continue
            }
            let encoding = try tokenizer.encode(text, pair: pair, addSpecialTokens: special)
            let label = "\(text.debugDescription) + \(pair.debugDescription) special=\(special)"
            #expect(encoding.ids == c["ids"]?.arrayValue?.compactMap(\.intValue), "ids of \(label)")
            #expect(encoding.tokens == c["tokens"]?.arrayValue?.compactMap(\.stringValue), "tokens of \(label)")
            #expect(encoding.typeIDs == c["type_ids"]?.arrayValue?.compactMap(\.intValue), "type ids of \(label)")
            checked += 1
            if pair != nil { withPair += 1 }
        }
        #expect(checked >= 20 && withPair >= 14)
    }

    /// A pair needs a template that joins two sequences: a BOS-only template has none.
    @Test func pairWithoutPairTemplateIsRefused() throws {
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/bpe/tokenizer.json"))
        // No post-processor template at all: the pair is simply A then B (as `tokenizers` does).
        let plain = try tokenizer.encode("ab", pair: "cd", addSpecialTokens: false)
        #expect(plain.typeIDs.contains(1))
    }
}
