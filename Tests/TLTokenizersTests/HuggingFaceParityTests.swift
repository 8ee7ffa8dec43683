import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// Every reference encoding from Hugging Face `tokenizers`: the same ids, the same token
/// strings, the same decoded text; and decode(encode(s)) == s wherever `tokenizers` is lossless.
struct HuggingFaceParityTests {
    static func check(_ cases: [Fixtures.Case]) throws -> Int {
        let cache = Fixtures.TokenizerCache()
        for c in cases {
            let tokenizer = try cache.tokenizer(c.directory)
            let encoded = try tokenizer.encode(c.text, addSpecialTokens: c.addSpecialTokens)
            #expect(encoded.ids == c.ids, "ids of \(c)")
            #expect(encoded.tokens == c.tokens, "tokens of \(c)")
            let decoded = tokenizer.decode(encoded.ids, skipSpecialTokens: false)
            #expect(decoded.utf8.elementsEqual(c.decoded.utf8), "decode of \(c): \(decoded.debugDescription)")
            if c.lossless {
                #expect(decoded.utf8.elementsEqual(c.text.utf8), "round trip of \(c)")
            }
        }
        return cases.count
    }

    /// bpe, sentencepiece and wordpiece from the fixtures tool, over its awkward strings.
    @Test func baseFixtureCases() throws {
        let cases = try Fixtures.cases("tokenizers/cases.json", under: "tokenizers")
        #expect(Set(cases.map(\.directory)) == ["tokenizers/bpe", "tokenizers/sentencepiece", "tokenizers/wordpiece"])
        #expect(try Self.check(cases) >= 50)
    }

    /// Llama 3 / GPT-OSS (o200k) / Qwen / NeoX / Llama 2 / Mistral / WordPiece-variant layouts, and a file with its
    /// own truncation and padding, from make_tokenizer_cases.py.
    @Test func extraLayoutCases() throws {
        let cases = try Fixtures.cases("tokenizers/extra_cases.json", under: "tokenizers/extra")
        #expect(Set(cases.map(\.directory)).count == 14)
        #expect(try Self.check(cases) >= 580)
    }

    /// Byte-level BPE without a normalizer loses nothing: every text round-trips when no
    /// special tokens are added and no added token strips the whitespace around it. (NFC/NFKC
    /// normalizers, BERT's lowercasing and `[UNK]` are lossy by design; the references' own
    /// `lossless` flags are checked for every tokenizer above.)
    @Test func byteLevelTokenizersAreLossless() throws {
        let cache = Fixtures.TokenizerCache()
        let all = try Fixtures.cases("tokenizers/cases.json", under: "tokenizers")
            + Fixtures.cases("tokenizers/extra_cases.json", under: "tokenizers/extra")
        let byteLevel: Set<String> = ["tokenizers/bpe", "tokenizers/extra/llama3"]
        let cases = all.filter { byteLevel.contains($0.directory) && !$0.addSpecialTokens && !$0.text.contains("<|mask|>") }
        #expect(cases.count >= 35)
        for c in cases {
            let tokenizer = try cache.tokenizer(c.directory)
            #expect(c.lossless, "reference says \(c) is lossy")
            let back = tokenizer.decode(try tokenizer.encode(c.text).ids, skipSpecialTokens: false)
            #expect(back.utf8.elementsEqual(c.text.utf8), "round trip of \(c)")
        }
    }

    /// Every model fixture's own tokenizer.json on the activation-cache prompt and awkward strings.
    @Test func modelDirectoryTokenizers() throws {
        let json = try JSONParser.parseFile(Fixtures.path("tokenizers/extra_cases.json"))
        let rows = try #require(json["models"]?.arrayValue)
        #expect(rows.count >= 60)
        let cache = Fixtures.TokenizerCache()
        for row in rows {
            let model = try #require(row["model"]?.stringValue)
            let text = try #require(row["text"]?.stringValue)
            let tokenizer = try cache.tokenizer("models/\(model)")
            let encoded = try tokenizer.encode(text)
            #expect(encoded.ids == row["ids"]?.arrayValue?.compactMap(\.intValue), "\(model) \(text.debugDescription)")
            #expect(encoded.tokens == row["tokens"]?.arrayValue?.compactMap(\.stringValue), "\(model) \(text.debugDescription)")
        }
    }

    /// `tokenizers`' default decode drops special tokens.
    @Test func decodeSkipsSpecialTokensByDefault() throws {
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/bpe/tokenizer.json"))
        let ids = try tokenizer.encode("<|endoftext|>The model<|endoftext|>").ids
        #expect(ids.first == tokenizer.id(of: "<|endoftext|>"))
        #expect(tokenizer.decode(ids) == "The model")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "<|endoftext|>The model<|endoftext|>")
        #expect(tokenizer.isSpecialToken("<|endoftext|>"))
    }

    @Test func lookupBothWays() throws {
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/sentencepiece/tokenizer.json"))
        #expect(tokenizer.id(of: "<s>") == 1)
        #expect(tokenizer.token(of: 1) == "<s>")
        #expect(tokenizer.id(of: "<0x41>") != nil)
        #expect(tokenizer.id(of: "no such token") == nil)
        #expect(tokenizer.token(of: 1_000_000) == nil)
    }
}
