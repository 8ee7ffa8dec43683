import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport

/// Inputs that used to give silently wrong answers: a converted directory must run exactly
/// as its source, name nothing outside itself, and never carry NaN, infinity or overflowed weights.
struct HardeningTests {
    /// A copy of fixture `name` in a scratch folder (for editing).
    static func copy(_ name: String, into dir: String) throws -> String {
        let model = dir + "/" + name
        try FileManager.default.copyItem(atPath: Fixtures.model(name), toPath: model)
        return model
    }

    /// A scratch folder holding fixture `name` converted (raw) by the binary into `out/`.
    static func convertedFixture(_ name: String, label: String) throws -> String {
        let dir = ConversionTests.scratch("\(label)-\(name)")
        let converted = try TLConvertProcess.run(["convert", Fixtures.model(name), "-o", dir + "/out"])
        try #require(converted.status == 0, "\(converted.stderr)")
        return dir
    }

    /// Overwrites one float32 element of a tensor of `model`'s model.safetensors in place,
    /// and checks that the file now reads it back.
    static func patch(_ model: String, tensor name: String, element: Int, to value: Float) throws {
        let file = model + "/model.safetensors"
        let tensor = try SafeTensorsFile(path: file).tensor(named: name)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seek(toOffset: UInt64(tensor.byteOffset + 4 * element))
        try handle.write(contentsOf: withUnsafeBytes(of: value.bitPattern.littleEndian) { Data($0) })
        try handle.close()
        let patched = try SafeTensorsFile(path: file).tensor(named: name).float32()
        try #require(patched.values[element].bitPattern == value.bitPattern, "the patch landed on element \(element)")
    }

    static func runJSON(_ model: String, prompt: String) throws -> JSONValue {
        let result = try TLConvertProcess.run(["run", model, "--prompt", prompt, "--json", "--top-k", "10"])
        try #require(result.status == 0, "run \(model): \(result.stderr)")
        return try JSONParser.parse(result.stdout, path: "run --json")
    }

    /// `run` on a converted directory tokenizes and predicts as on its source (Qwen 2/3 used
    /// to lose their first token: the converted config said the tokenizer adds BOS).
    @Test(arguments: Fixtures.cases.map(\.name))
    func convertedDirectoryRunsLikeItsSource(_ name: String) throws {
        let dir = try Self.convertedFixture(name, label: "parity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prompt = "The model layer norm"
        let source = try Self.runJSON(Fixtures.model(name), prompt: prompt)
        let output = try Self.runJSON(dir + "/out", prompt: prompt)
        #expect(output["input_ids"] == source["input_ids"], "\(name): input ids differ")
        #expect(output["dropped_tokens"] == source["dropped_tokens"])
        let ids = { (run: JSONValue) in run["top_k"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? [] }
        #expect(ids(output) == ids(source) && ids(source).count == 10, "\(name): top-k differs")
    }

    /// `tokenizer_prepends_bos` as TransformerLens sets it once it loads the tokenizer, and no
    /// path of this machine as `tokenizer_name`.
    @Test(arguments: Fixtures.withTLReferences.map(\.name))
    func convertedConfigIsSelfContained(_ name: String) throws {
        let dir = try Self.convertedFixture(name, label: "self-contained")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = try JSONParser.parseFile(dir + "/out/config.json")
        let theirs = try JSONParser.parseFile(Fixtures.reference(name, "raw") + ".cfg.json")
        // qwen1's reference model was built without its (remote-code) tokenizer, so TransformerLens never
        // recomputed the flag; with QWenTokenizer loaded it is false (encoding "" gives nothing).
        let prepends = name == "qwen1" ? .bool(false) : theirs["tokenizer_prepends_bos"]
        #expect(ours["tokenizer_prepends_bos"] == prepends, "\(name)")
        #expect(ours["tokenizer_name"] == .null, "\(name): a local source is named by path")
    }

    /// A NaN or an infinity in a checkpoint tensor is refused, naming the tensor; nothing is written.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefused(_ value: Float) throws {
        let dir = ConversionTests.scratch("non-finite")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.copy("gpt2", into: dir)
        try Self.patch(model, tensor: "transformer.h.1.mlp.c_fc.weight", element: 7, to: value)

        let result = try TLConvertProcess.run(["convert", model, "-o", dir + "/out"])
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("tlconvert:") }
        let kind = value.isNaN ? "NaN" : value > 0 ? "+infinity" : "-infinity"
        #expect(errors == ["tlconvert: tensor 'blocks.1.mlp.W_in': holds \(kind) at element 7: NaN and infinite weights are refused"],
                "\(result.stderr)")
        #expect(FileSystem.kind(of: dir + "/out") == .missing)
    }

    /// A value float16 cannot hold is refused under `--dtype float16` (it would be written as inf).
    @Test func float16OverflowIsRefused() throws {
        let dir = ConversionTests.scratch("overflow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.copy("gpt2", into: dir)
        try Self.patch(model, tensor: "transformer.wte.weight", element: 0, to: 70000)

        let f16 = try TLConvertProcess.run(["convert", model, "-o", dir + "/f16", "--dtype", "float16"])
        #expect(f16.status == 2)
        #expect(f16.stderr.contains("embed.W_E") && f16.stderr.contains("overflows float16"), "\(f16.stderr)")
        #expect(FileSystem.kind(of: dir + "/f16") == .missing)
        // The same weights fit float32 and bfloat16.
        #expect(try TLConvertProcess.run(["convert", model, "-o", dir + "/bf16", "--dtype", "bfloat16"]).status == 0)
    }

    /// A rotary model configured for 2^40 positions runs a short prompt: position tables are
    /// built for the prompt, not the configured context.
    @Test func hugeConfiguredContextRunsAShortPrompt() throws {
        let dir = ConversionTests.scratch("huge-context")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.copy("lam-gqa", into: dir)
        let configPath = model + "/config.json"
        var config = try String(contentsOfFile: configPath, encoding: .utf8)
        let key = #""max_position_embeddings": "#
        let range = try #require(config.range(of: key))
        let end = try #require(config[range.upperBound...].firstIndex(where: { $0 == "," || $0 == "\n" }))
        config.replaceSubrange(range.upperBound..<end, with: "1099511627776")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)

        let result = try TLConvertProcess.run(["run", model, "--prompt", "The model", "--top-k", "3"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
