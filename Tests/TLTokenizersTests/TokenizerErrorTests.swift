import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// Unsupported or malformed tokenizer.json: a TLError naming the problem, never a crash.
struct TokenizerErrorTests {
    static let minimalModel = #""model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#

    static func load(_ body: String) throws(TLError) -> Tokenizer {
        try Tokenizer(json: try JSONParser.parse("{\(body)}", path: "t.json"), path: "t.json")
    }

    static func message(_ body: String) -> String? {
        do { _ = try load(body); return nil } catch { return error.description }
    }

    @Test func minimalBPEWorks() throws {
        let tokenizer = try Self.load(Self.minimalModel)
        #expect(try tokenizer.encode("abba").tokens == ["ab", "b", "a"])
        #expect(tokenizer.decode(try tokenizer.encode("abba").ids) == "ab b a")  // no decoder: joined by spaces
    }

    @Test func unsupportedTypesAreNamed() {
        let cases: [(String, String)] = [
            (#"\#(Self.minimalModel), "pre_tokenizer": {"type": "UnicodeScripts"}"#, "UnicodeScripts"),
            (#"\#(Self.minimalModel), "decoder": {"type": "Mystery"}"#, "Mystery"),
            (#"\#(Self.minimalModel), "post_processor": {"type": "Odd"}"#, "Odd"),
        ]
        for (body, type) in cases {
            do {
                _ = try Self.load(body)
                Issue.record("\(type) loaded")
            } catch {
                guard case .unsupported(let message) = error else { Issue.record("\(type): \(error)"); continue }
                #expect(message.contains("'\(type)'") && message.contains("t.json"), "\(message)")
                #expect(error.exitCode == 2)
            }
        }
    }

    /// Unigram (T5) is supported since #15: on a tie the earlier-found path stays, and unknown
    /// characters fuse and keep their text (what tokenizers 0.22 gives for this file).
    @Test func minimalUnigramWorks() throws {
        let tokenizer = try Self.load(#""model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0], ["aa", -1.5]]}"#)
        #expect(try tokenizer.encode("aaabb").tokens == ["a", "aa", "bb"])
        #expect(try tokenizer.encode("aaabb").ids == [1, 2, 0])
    }

    /// tokenizers refuses a Precompiled normalizer whose charsmap is empty, null or holds no trie.
    @Test(arguments: ["\"\"", "null", "\"AAAA\""])
    func anEmptyCharsMapIsRefused(_ charsmap: String) {
        let message = Self.message(Self.minimalModel + #", "normalizer": {"type": "Precompiled", "precompiled_charsmap": "# + charsmap + "}")
        #expect(message?.contains("t.json") == true && message?.contains("charsmap") == true, "\(message ?? "loaded")")
    }

    @Test func malformedFilesAreBadFiles() throws {
        let bad = [
            #""normalizer": null"#,  // no model
            #""model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}"#,  // merge of an unknown token
            #""model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a a"]}"#,
            #""model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}"#,
            #""model": {"type": "WordPiece", "vocab": {"a": 0}}"#,  // [UNK] missing
            #"\#(Self.minimalModel), "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated", "invert": false}"#,
            #"\#(Self.minimalModel), "pre_tokenizer": {"type": "Metaspace", "replacement": "ab"}"#,
            #"\#(Self.minimalModel), "added_tokens": [{"id": 3}]"#,
        ]
        for body in bad {
            #expect(throws: TLError.self, "\(body)") { try Self.load(body) }
        }
        #expect(throws: TLError.self) { try Tokenizer.load(path: Fixtures.path("does-not-exist/tokenizer.json")) }
        #expect(throws: TLError.self) { try ModelTokenizer.load(path: Fixtures.path("does-not-exist")) }
        #expect(throws: TLError.self) { try ModelTokenizer.load(path: Fixtures.path("tokenizers")) }  // no tokenizer.json
    }
}
