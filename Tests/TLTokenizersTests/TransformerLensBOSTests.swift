import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// `--prepend-bos` against TransformerLens 2.16.1's own `to_tokens(prepend_bos=True)` and
/// `tokenizer_prepends_bos` (tools/make_tokenizer_cases.py builds a tiny HookedTransformer on
/// each tokenizer directory), and against the TL activation-cache prompts of the model fixtures.
struct TransformerLensBOSTests {
    @Test func toTokensMatchesTransformerLens() throws {
        let json = try JSONParser.parseFile(Fixtures.path("tokenizers/extra_cases.json"))
        let rows = try #require(json["to_tokens"]?.arrayValue)
        let prepends = try #require(json["tokenizer_prepends_bos"]?.objectMembers)
        #expect(rows.count >= 250)
        #expect(prepends.count == 10)
        var loaded = [String: ModelTokenizer]()
        var truncated = 0
        for row in rows {
            let name = try #require(row["tokenizer"]?.stringValue)
            let text = try #require(row["text"]?.stringValue)
            let nCtx = try #require(row["n_ctx"]?.intValue)
            let ids = try #require(row["ids"]?.arrayValue).compactMap(\.intValue)
            let strTokens = try #require(row["str_tokens"]?.arrayValue).compactMap(\.stringValue)
            let tokenizer = try loaded[name] ?? ModelTokenizer.load(path: Fixtures.path("tokenizers/extra/\(name)"))
            loaded[name] = tokenizer
            let got = try tokenizer.toTokens(text, prependBOS: true, maxLength: nCtx).ids
            #expect(got == ids, "\(name) n_ctx=\(nCtx) \(text.debugDescription)")
            #expect(tokenizer.strTokens(got) == strTokens, "str tokens of \(name) \(text.debugDescription)")
            if ids.count == nCtx && nCtx < 100 { truncated += 1 }
        }
        #expect(truncated >= 10, "the n_ctx 8 rows exercise truncation")
        for (name, value) in prepends {
            let tokenizer = try ModelTokenizer.load(path: Fixtures.path("tokenizers/extra/\(name)"))
            #expect(tokenizer.tokenizerPrependsBOS == value.boolValue, "tokenizer_prepends_bos of \(name)")
        }
    }

    /// BOS is never doubled, and without it the tokenizer's own BOS is removed (TL's rule).
    @Test func bosAppearsExactlyOnce() throws {
        for name in ["llama2", "llama3", "mistral", "neox", "qwen", "padded", "gem-sp", "meta-always", "meta-never"] {
            let tokenizer = try ModelTokenizer.load(path: Fixtures.path("tokenizers/extra/\(name)"))
            let bos = try #require(tokenizer.bosTokenID, "\(name) BOS id")
            let with = try tokenizer.toTokens("Hello world", prependBOS: true).ids
            let without = try tokenizer.toTokens("Hello world", prependBOS: false).ids
            #expect(with.first == bos && with.dropFirst().first != bos, "\(name): \(with)")
            #expect(without.first != bos, "\(name): \(without)")
        }
    }

    /// The prompts TransformerLens tokenized for the activation caches (prepend_bos=True).
    @Test func modelDirectoriesTokenizeTheCachePromptLikeTransformerLens() throws {
        for name in ["gpt2", "lam-gqa"] {
            let prompt = try JSONParser.parseFile(Fixtures.path("caches/\(name)/prompt.json"))
            let text = try #require(prompt["text"]?.stringValue)
            let ids = try #require(prompt["input_ids"]?.arrayValue).compactMap(\.intValue)
            #expect(prompt["prepend_bos"]?.boolValue == true)
            let tokenizer = try ModelTokenizer.load(path: Fixtures.path("models/\(name)"))
            #expect(try tokenizer.toTokens(text).ids == ids, "\(name)")
            #expect(try tokenizer.tokenizer.encode(text).ids == Array(ids.dropFirst()), "\(name) without BOS")
        }
    }

    /// The model's `default_prepend_bos` comes with its facts; `tokenizer_prepends_bos` is always
    /// the tokenizer's own (TransformerLens recomputes it whenever it loads a tokenizer).
    @Test func factsDecideTheDefaultBOS() throws {
        let tokenizer = try Tokenizer.load(path: Fixtures.path("tokenizers/bpe/tokenizer.json"))
        let model = try ModelTokenizer(tokenizer: tokenizer, tokenizerConfig: nil, specialTokensMap: nil,
                                   facts: TokenizerFacts(defaultPrependBOS: false))
        #expect(model.defaultPrependBOS == false)
        #expect(model.tokenizerPrependsBOS == false)
        #expect(try model.toTokens("Hello").ids == tokenizer.encode("Hello").ids)
        #expect(try model.toTokens("Hello", prependBOS: true).ids.first == tokenizer.id(of: "<|endoftext|>"))
    }
}
