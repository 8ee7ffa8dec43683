import Foundation
import Testing
import TLFormats
import TLTestSupport

/// The families added last (Apertus, Qwen v1, SantaCoder) through the binary: listed as
/// convertible, and Qwen v1's tiktoken tokenizer read by `tokenize` and `run` on the Hugging Face
/// folder and on its conversion alike.
struct RemoteCodeFamilyTests {
    @Test func zooNamesAreConvertible() throws {
        let result = try TLConvertProcess.run(["list", "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONParser.parse(result.stdout, path: "list --json").arrayValue)
        for name in ["swiss-ai/Apertus-8B-2509", "swiss-ai/Apertus-8B-Instruct-2509", "bigcode/santacoder",
                     "Qwen/Qwen-1_8B", "Qwen/Qwen-7B", "Qwen/Qwen-14B", "Qwen/Qwen-1_8B-Chat", "Qwen/Qwen-7B-Chat",
                     "Qwen/Qwen-14B-Chat"] {
            let entry = entries.first { $0["name"]?.stringValue == name }
            #expect(entry?["convertible"]?.boolValue == true, "\(name)")
        }
    }

    /// Qwen v1's qwen.tiktoken through `tokenize` and `run`, on the Hugging Face folder and on its
    /// conversion (which copies the rank file): the ids tiktoken gave (tiktoken_cases.json).
    @Test func qwenTiktokenTokenizerWorks() throws {
        let converted = ConversionTests.scratch("qwen1-tokenizer") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: converted)) }
        let convert = try TLConvertProcess.run(["convert", Fixtures.model("qwen1"), "-o", converted])
        try #require(convert.status == 0, "\(convert.stderr)")
        #expect(FileSystem.isFile(converted + "/qwen.tiktoken"))
        let cases = try JSONParser.parseFile(Fixtures.model("qwen1") + "/tiktoken_cases.json")
        let row = try #require(cases["cases"]?.arrayValue?.first { $0["text"]?.stringValue == "a <|im_start|>user\nhi<|im_end|>\n" })
        let text = try #require(row["text"]?.stringValue)
        for model in [Fixtures.model("qwen1"), converted] {
            for (flags, key) in [([String](), "ids"), (["--prepend-bos"], "to_tokens")] {
                let result = try TLConvertProcess.run(["tokenize", model, "--text", text, "--json"] + flags)
                try #require(result.status == 0, "tokenize \(model): \(result.stderr)")
                let json = try JSONParser.parse(result.stdout, path: "tokenize --json")
                #expect(json["ids"] == row[key], "tokenize \(flags) \(model)")
            }
            // default_prepend_bos is false for Qwen: the prompt's own tokens, all inside the fixture's vocabulary.
            let run = try TLConvertProcess.run(["run", model, "--prompt", "the model's layer", "--json"])
            try #require(run.status == 0, "run \(model): \(run.stderr)")
            let ids = try JSONParser.parse(run.stdout, path: "run --json")["input_ids"]
            #expect(ids?.arrayValue?.isEmpty == false && ids?.arrayValue?.first != .int(151643), "run \(model)")
        }
    }
}
