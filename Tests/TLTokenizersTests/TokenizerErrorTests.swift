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
            (#""model": {"type": "Unigram", "vocab": [["a", 0.0]]}"#, "Unigram"),
            (#"\#(Self.minimalModel), "normalizer": {"type": "Precompiled", "precompiled_charsmap": ""}"#, "Precompiled"),
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
