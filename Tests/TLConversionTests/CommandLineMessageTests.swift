import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport

/// Usage the command line used to ignore or could not express: each refused in one line
/// with exit status 2, or now possible (`--text-file`).
struct CommandLineMessageTests {
    static let gpt2 = Fixtures.model("gpt2")

    static func expectOneLine(_ result: TLConvertProcess.Output, _ text: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && result.stderr.contains(text), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func saveLogitsWithoutVerifyIsRefused() throws {
        let out = ConversionTests.scratch("nosave") + "/out"
        let result = try TLConvertProcess.run([Self.gpt2, "-o", out, "--save-logits", out + ".safetensors"])
        Self.expectOneLine(result, "--save-logits needs --verify")
        #expect(FileSystem.kind(of: out) == .missing)
    }

    @Test func helpForAnUnknownCommandIsRefused() throws {
        Self.expectOneLine(try TLConvertProcess.run(["help", "nonsense"]), "nonsense")
        let known = try TLConvertProcess.run(["help", "tokenize"])
        #expect(known.status == 0 && known.stdout.contains("--text-file"), "\(known.stdout)")
        #expect(try TLConvertProcess.run(["help"]).status == 0)
    }

    @Test func usageErrorsAreOneLine() throws {
        Self.expectOneLine(try TLConvertProcess.run(["run", Self.gpt2]), "--prompt")
        Self.expectOneLine(try TLConvertProcess.run(["tokenize", Self.gpt2, "--bogus", "x"]), "--bogus")
    }

    static func tokenize(_ arguments: [String], stdin: String? = nil) throws -> (ids: [Int], result: TLConvertProcess.Output) {
        let result = try TLConvertProcess.run(["tokenize", Self.gpt2, "--json"] + arguments, stdin: stdin)
        guard result.status == 0 else { return ([], result) }
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        return (json["ids"]?.arrayValue?.compactMap(\.intValue) ?? [], result)
    }

    @Test func tokenizeReadsTextFromAFileOrStandardInput() throws {
        let folder = ConversionTests.scratch("textfile")
        let dashed = folder + "/dashed.txt"
        try "-abc def\n".write(toFile: dashed, atomically: false, encoding: .utf8)
        let expected = try Self.tokenize(["--text=-abc def\n"])
        #expect(expected.result.status == 0 && !expected.ids.isEmpty)
        #expect(try Self.tokenize(["--text", "-abc def\n"]).ids == expected.ids, "--text takes the next argument as it is")
        #expect(try Self.tokenize(["--text-file", dashed]).ids == expected.ids)
        #expect(try Self.tokenize(["--text-file", "-"], stdin: "-abc def\n").ids == expected.ids)
        // More than one argument may hold (128 KiB).
        let long = folder + "/long.txt"
        try String(repeating: "ab ", count: 50_000).write(toFile: long, atomically: false, encoding: .utf8)
        let many = try Self.tokenize(["--text-file", long])
        #expect(many.result.status == 0 && many.ids.count >= 50_000, "\(many.result.stderr)")
    }

    @Test func textAndTextFileAreAlternatives() throws {
        let folder = ConversionTests.scratch("alternatives")
        let file = folder + "/t.txt"
        try "hi".write(toFile: file, atomically: false, encoding: .utf8)
        Self.expectOneLine(try TLConvertProcess.run(["tokenize", Self.gpt2, "--text", "x", "--text-file", file]), "--text-file")
        Self.expectOneLine(try TLConvertProcess.run(["tokenize", Self.gpt2]), "--text-file")
        Self.expectOneLine(try TLConvertProcess.run(["run", Self.gpt2, "--prompt", "x", "--text-file", file]), "--text-file")
        Self.expectOneLine(try TLConvertProcess.run(["run", Self.gpt2, "--text-file", folder + "/missing.txt"]),
                           folder + "/missing.txt")
        let invalid = folder + "/latin1.txt"
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: invalid))
        Self.expectOneLine(try TLConvertProcess.run(["tokenize", Self.gpt2, "--text-file", invalid]), "UTF-8")
        Self.expectOneLine(try TLConvertProcess.run(["run", Self.gpt2, "--text-file", invalid]), "UTF-8")
    }

    @Test func runReadsThePromptFromAFile() throws {
        let folder = ConversionTests.scratch("promptfile")
        let file = folder + "/prompt.txt"
        try "-1 is".write(toFile: file, atomically: false, encoding: .utf8)
        let fromFile = try TLConvertProcess.run(["run", Self.gpt2, "--text-file", file, "--json"])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let fromArgument = try TLConvertProcess.run(["run", Self.gpt2, "--prompt=-1 is", "--json"])
        #expect(fromFile.stdout == fromArgument.stdout)
        let json = try JSONParser.parse(fromFile.stdout, path: "stdout")
        #expect(json["prompt"]?.stringValue == "-1 is")
        let piped = try TLConvertProcess.run(["run", Self.gpt2, "--text-file", "-", "--json"], stdin: "-1 is")
        #expect(piped.stdout == fromArgument.stdout)
    }
}
