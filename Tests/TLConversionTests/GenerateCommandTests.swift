import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport

/// `tlconvert generate` as a user runs it (the built binary), against transformers'
/// `generate(do_sample=False)` (Fixtures/generate/greedy.json).
struct GenerateCommandTests {
    static func reference() throws -> JSONValue { try JSONParser.parseFile(Fixtures.path("generate/greedy.json")) }

    static func ids(_ value: JSONValue?) -> [Int] { value?.arrayValue?.compactMap(\.intValue) ?? [] }

    @Test(arguments: ["gpt2", "mixtral"])
    func jsonMatchesTransformers(name: String) throws {
        let reference = try Self.reference()
        let prompt = try #require(reference["prompt"]?.stringValue)
        let entry = try #require(reference["cases"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        let out = try TLConvertProcess.run(["generate", Fixtures.model(name), "--prompt", prompt,
                                            "--max-new-tokens", "12", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONParser.parse(out.stdout, path: "stdout")
        #expect(json.objectMembers?.map(\.key) == ["model", "prompt", "input_ids", "new_ids", "text"])
        #expect(json["prompt"]?.stringValue == prompt)
        #expect(Self.ids(json["input_ids"]) == Self.ids(entry["input_ids"]))
        #expect(Self.ids(json["new_ids"]) == Self.ids(entry["new_ids"]))
    }

    /// Streamed: the prompt, then the same text `--json` reports, then a newline.
    @Test func streamsThePromptAndTheText() throws {
        let args = ["generate", Fixtures.model("qwen2"), "--prompt", "Hello", "--temperature", "0.8", "--seed", "5",
                    "--top-k", "40", "--max-new-tokens", "10"]
        let json = try TLConvertProcess.run(args + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let text = try #require(try JSONParser.parse(json.stdout, path: "stdout")["text"]?.stringValue)
        let streamed = try TLConvertProcess.run(args)
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stdout == "Hello" + text + "\n")
        #expect(streamed.stderr.isEmpty)
        #expect(try TLConvertProcess.run(args).stdout == streamed.stdout)
    }

    @Test func badFlagsExitTwoInOneLine() throws {
        let model = Fixtures.model("gpt2")
        for (flags, message) in [
            (["--temperature", "-1"], "--temperature must be a finite number ≥ 0 (got -1.0); 0 is greedy"),
            (["--temperature", "1", "--top-p", "0"], "--top-p must be in (0, 1] (got 0.0)"),
            (["--temperature", "1", "--top-p", "1.01"], "--top-p must be in (0, 1] (got 1.01)"),
            (["--temperature", "1", "--top-k", "0"], "--top-k must be at least 1 (got 0)"),
            (["--max-new-tokens", "-3"], "--max-new-tokens must be ≥ 0 (got -3)"),
        ] {
            let out = try TLConvertProcess.run(["generate", model, "--prompt", "x"] + flags)
            #expect(out.status == 2, "\(flags)")
            #expect(out.stderr == "tlconvert: \(message)\n", "\(flags)")
            #expect(out.stdout.isEmpty)
        }
    }

    /// convert copies generation_config.json, so generate on the output stops where transformers
    /// stops on the source: the source here is the gpt2 fixture with greedy.json's list-valued
    /// eos_token_id override written as its generation_config.json.
    @Test func aConvertedDirectoryStopsWhereTransformersStops() throws {
        let reference = try Self.reference()
        let prompt = try #require(reference["prompt"]?.stringValue)
        let run = try #require(reference["eos_overrides"]?.arrayValue?.first { $0["eos_token_id"]?.arrayValue != nil })
        let name = try #require(run["name"]?.stringValue)
        let scratch = NSTemporaryDirectory() + "tlconvert-tests-\(getpid())-generation-config-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let source = scratch + "/source", output = scratch + "/converted"
        try FileManager.default.copyItem(atPath: Fixtures.model(name), toPath: source)
        let eos = try #require(run["eos_token_id"])
        try (JSONWriter.string(.object([("eos_token_id", eos)])) + "\n")
            .write(toFile: source + "/generation_config.json", atomically: true, encoding: .utf8)
        let converted = try TLConvertProcess.run(["convert", source, "-o", output])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(FileManager.default.fileExists(atPath: output + "/generation_config.json"))
        let out = try TLConvertProcess.run(["generate", output, "--prompt", prompt, "--max-new-tokens", "12", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let newIDs = Self.ids(try JSONParser.parse(out.stdout, path: "stdout")["new_ids"])
        #expect(newIDs == Self.ids(run["new_ids"]))
        #expect(newIDs.count < 12)
    }

    /// T5 through the command: generate's JSON, with transformers' greedy ids (hf_greedy.json).
    @Test func t5GeneratesGreedilyAsTransformers() throws {
        let reference = try JSONParser.parseFile(Fixtures.model("t5") + "/hf_greedy.json")
        let prompt = try #require(reference["prompt"]?.stringValue)
        let steps = try #require(reference["max_new_tokens"]?.intValue)
        let out = try TLConvertProcess.run(["generate", Fixtures.model("t5"), "--prompt", prompt,
                                            "--max-new-tokens", String(steps), "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONParser.parse(out.stdout, path: "stdout")
        #expect(json.objectMembers?.map(\.key) == ["model", "prompt", "input_ids", "new_ids", "text"])
        #expect(Self.ids(json["input_ids"]) == Self.ids(reference["input_ids"]))
        #expect(Self.ids(json["new_ids"]) == Array(Self.ids(reference["decoder_ids"]).dropFirst()))
        // Streamed: the decoder's text alone (a new sequence, not a continuation of the prompt).
        let streamed = try TLConvertProcess.run(["generate", Fixtures.model("t5"), "--prompt", prompt,
                                                 "--max-new-tokens", String(steps)])
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stdout == (json["text"]?.stringValue ?? "?") + "\n")
        let sampled = try TLConvertProcess.run(["generate", Fixtures.model("t5"), "--prompt", prompt, "--temperature", "0.8"])
        #expect(sampled.status == 2)
        #expect(sampled.stderr == "tlconvert: generate: T5ForConditionalGeneration (HookedEncoderDecoder) decodes greedily only; drop --temperature (or give 0)\n")
        #expect(sampled.stdout.isEmpty)
    }

    @Test func bertIsRefusedInOneLine() throws {
        let out = try TLConvertProcess.run(["generate", Fixtures.model("bert"), "--prompt", "The quick brown fox"])
        #expect(out.status == 2)
        #expect(out.stderr == "tlconvert: generate: BertForMaskedLM is an encoder (HookedEncoder), which predicts no next token; use `tlconvert run` for its [MASK] and next-sentence predictions\n")
        #expect(out.stdout.isEmpty)
    }
}
