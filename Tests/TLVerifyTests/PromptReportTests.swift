import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLVerify
import TLTestSupport

/// The pieces of `run`'s report that do not need a model: Python's repr of the prompt's
/// tokens (against what TransformerLens's `test_prompt` printed, in prompt.json) and the
/// top-k selection.
struct PromptReportTests {
    @Test(arguments: ["gpt2", "lam-gqa"])
    func promptLineIsTestPromptsLine(name: String) throws {
        let info = try JSONParser.parseFile(Fixtures.path("caches/\(name)/prompt.json"))
        let tokens = try #require(info["str_tokens"]?.arrayValue).compactMap(\.stringValue)
        let printed = try #require(info["test_prompt_output"]?["raw"]?.stringValue)
        let firstLine = try #require(printed.split(separator: "\n").first)
        #expect("Tokenized prompt: " + PythonRepr.list(tokens) == firstLine)
    }

    /// Python's quoting and escaping rules: each expectation is what `repr` prints in CPython 3.11.
    @Test func reprEscapesWhatPythonEscapes() {
        #expect(PythonRepr.string("it's") == "\"it's\"")
        #expect(PythonRepr.string("say \"it's\"") == "'say \"it\\'s\"'")
        #expect(PythonRepr.string("a\tb\nc\r\\") == "'a\\tb\\nc\\r\\\\'")
        #expect(PythonRepr.string("\u{12}\u{7F}\u{A0}\u{AD}\u{200B}\u{2028}\u{E000}") == "'\\x12\\x7f\\xa0\\xad\\u200b\\u2028\\ue000'")
        #expect(PythonRepr.string("naïve café 🙂 \u{FFFD} \u{10FFFF}") == "'naïve café 🙂 \u{FFFD} \\U0010ffff'")
    }

    @Test func topKRanksByLogitWithSoftmaxProbabilities() {
        let logits: [Float] = [0.5, 2, -1, 2, 1]
        let top = PromptReport.top(3, of: logits)
        #expect(top.map(\.id) == [1, 3, 4], "ties keep the lower id first")
        let sum = logits.map { exp(Double($0)) }.reduce(0, +)
        for entry in top { #expect(abs(entry.probability - exp(Double(entry.logit)) / sum) < 1e-12) }
        #expect(PromptReport.top(10, of: logits).count == 5)
    }

    @Test func reportRejectsWrongShapesAndEmptyTopK() {
        let logits = FloatTensor(shape: [1, 2, 3], values: [0, 1, 2, 3, 4, 5])
        #expect(throws: TLError.self) {
            try PromptReport(model: "m", prompt: "p", inputIDs: [1], promptTokens: ["a"], logits: logits, topK: 3,
                             tokenString: { String($0) })
        }
        #expect(throws: TLError.self) {
            try PromptReport(model: "m", prompt: "p", inputIDs: [1, 2], promptTokens: ["a", "b"], logits: logits, topK: 0,
                             tokenString: { String($0) })
        }
        let report = try? PromptReport(model: "m", prompt: "p", inputIDs: [1, 2], promptTokens: ["a", "b"], logits: logits,
                                       topK: 2, tokenString: { "t\($0)" })
        #expect(report?.predictions.map(\.id) == [2, 1], "the last position's row")
    }
}
