import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// Qwen v1's tokenizer (qwen.tiktoken) against `tiktoken` itself, called as `QWenTokenizer`
/// calls it (tools/make_remote_code_fixtures.py → Fixtures/models/qwen1/tiktoken_cases.json).
struct QwenTiktokenTests {
    static let directory = Fixtures.model("qwen1")
    static func cases() throws -> JSONValue { try JSONParser.parseFile(directory + "/tiktoken_cases.json") }
    static func ints(_ value: JSONValue?) -> [Int] { value?.arrayValue?.compactMap(\.intValue) ?? [] }
    static func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }

    @Test func encodeAndDecodeEqualTiktoken() throws {
        let tokenizer = try ModelTokenizer.load(path: Self.directory, facts: TokenizerFacts(defaultPrependBOS: false))
        let rows = try #require(try Self.cases()["cases"]?.arrayValue)
        #expect(rows.count >= 25)
        for row in rows {
            let text = try #require(row["text"]?.stringValue)
            let encoded = try tokenizer.tokenizer.encode(text)
            #expect(encoded.ids == Self.ints(row["ids"]), "ids of \(text.debugDescription)")
            #expect(encoded.tokens == Self.strings(row["tokens"]), "tokens of \(text.debugDescription)")
            let decoded = tokenizer.tokenizer.decode(encoded.ids, skipSpecialTokens: false)
            #expect(decoded.utf8.elementsEqual((row["decoded"]?.stringValue ?? "").utf8), "decode of \(text.debugDescription)")
            #expect(tokenizer.strTokens(encoded.ids) == Self.strings(row["str_tokens"]), "str tokens of \(text.debugDescription)")
            // TransformerLens's prepend_bos=True: the BOS text `<|endoftext|>` in front.
            #expect(try tokenizer.toTokens(text, prependBOS: true).ids == Self.ints(row["to_tokens"]), "to_tokens of \(text.debugDescription)")
            #expect(try tokenizer.toTokens(text).ids == Self.ints(row["ids"]), "default_prepend_bos false: \(text.debugDescription)")
        }
    }

    /// Bytes of one character split across ids decode to U+FFFD per malformed sequence, as
    /// Python's errors="replace" does.
    @Test func partialUTF8IsReplaced() throws {
        let tokenizer = try ModelTokenizer.load(path: Self.directory)
        let rows = try #require(try Self.cases()["partial_utf8"]?.arrayValue)
        #expect(rows.count == 4)
        for row in rows {
            let ids = Self.ints(row["ids"])
            #expect(tokenizer.tokenizer.decode(ids, skipSpecialTokens: false) == row["decoded"]?.stringValue)
            #expect(tokenizer.tokenizer.decode(Array(ids.dropLast()), skipSpecialTokens: false) == row["head"]?.stringValue)
            #expect(tokenizer.strTokens(ids) == Self.strings(row["str_tokens"]))
        }
    }

    /// QWenTokenizer has no BOS token and adds nothing; TransformerLens's BOS is `<|endoftext|>`,
    /// whose id is fixed at 151643 whatever the rank file's size.
    @Test func bosFacts() throws {
        let tokenizer = try ModelTokenizer.load(path: Self.directory, facts: TokenizerFacts(defaultPrependBOS: false))
        #expect(!tokenizer.tokenizerPrependsBOS)
        #expect(!tokenizer.defaultPrependBOS)
        #expect(tokenizer.bosToken == "<|endoftext|>" && tokenizer.bosTokenID == 151643)
        #expect(tokenizer.tokenizer.id(of: "<|extra_204|>") == 151850)
        #expect(try Self.cases()["special_start_id"]?.intValue == 151643)
    }

    /// A rank file that is not one is refused in one line naming it.
    @Test func malformedRankFilesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qwentok-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/qwen.tiktoken"
        for (content, problem) in [("IQ== 1 2\n", "line 1"), ("!!! 3\n", "line 1"), ("", "no ranks"), ("IQ== 0\n", "has no rank")] {
            try content.write(toFile: file, atomically: true, encoding: .utf8)
            do {
                _ = try ModelTokenizer.load(path: dir)
                Issue.record("accepted \(content.debugDescription)")
            } catch {
                #expect(error.description.contains(file) && error.description.contains(problem), "\(error.description)")
            }
        }
    }
}
