import Foundation
import Testing
import TLFormats
import TLTestSupport

/// The families added last (Apertus, Qwen v1, SantaCoder) through the binary: listed as
/// convertible, and Qwen v1's tiktoken tokenizer refused by `tokenize` and `run` in one line,
/// on the Hugging Face folder and on its conversion alike (conversion itself works).
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

    @Test func qwenTiktokenTokenizerIsRefused() throws {
        let converted = ConversionTests.scratch("qwen1-tokenizer") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: converted)) }
        let convert = try TLConvertProcess.run(["convert", Fixtures.model("qwen1"), "-o", converted])
        try #require(convert.status == 0, "\(convert.stderr)")
        for model in [Fixtures.model("qwen1"), converted] {
            for command in [["tokenize", model, "--text", "the model"], ["run", model, "--prompt", "the model"]] {
                let result = try TLConvertProcess.run(command)
                #expect(result.status == 2, "\(command): \(result.stderr)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1 && result.stderr.contains("tiktoken"), "\(command): \(result.stderr)")
            }
        }
    }
}
