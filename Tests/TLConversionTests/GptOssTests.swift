import Foundation
import Testing
import TLFormats
import TLTestSupport

/// GPT-OSS end to end through the binary: raw and processed conversions, and the checkpoint
/// itself, give Hugging Face's logits (sinks, YaRN, sliding window and clamped experts included);
/// value biases stay unfolded under sinks; a quantization other than MXFP4 is refused in one line.
struct GptOssTests {
    static let model = Fixtures.model("gptoss")
    static let reference = model + "/hf_logits.safetensors"

    static func maxLogProbDiff(_ arguments: [String]) throws -> Double {
        let result = try TLConvertProcess.run(["verify"] + arguments + ["--reference", reference, "--json"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let report = try JSONParser.parse(result.stdout, path: "verify --json")
        return try #require(report["max_logprob_diff"]?.doubleValue)
    }

    @Test(arguments: [[], ["--fold-ln"], ["--tl-defaults"]])
    func convertedAndStraightFromTheCheckpointMatchHuggingFace(_ flags: [String]) throws {
        let out = ConversionTests.scratch("gptoss") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let convert = try TLConvertProcess.run([Self.model, "-o", out, "--offline"] + flags)
        #expect(convert.status == 0, "\(convert.stderr)")
        for (kind, source) in [("converted", [out]), ("checkpoint", [Self.model] + flags)] {
            let diff = try Self.maxLogProbDiff(source)
            print("gptoss \(flags) \(kind): max |Δ log-prob| \(diff)")
            #expect(diff <= 1e-4)
        }
    }

    @Test func valueBiasesStayUnderSinks() throws {
        let out = ConversionTests.scratch("gptoss-defaults") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let convert = try TLConvertProcess.run([Self.model, "-o", out, "--offline", "--tl-defaults"])
        #expect(convert.status == 0)
        #expect(convert.stderr.contains("attention sinks: not folding the value biases"), "\(convert.stderr)")
        let weights = try SafeTensorsFile(path: out + "/model.safetensors")
        #expect(try weights.tensor(named: "blocks.0.attn._b_V").floats().contains { $0 != 0 })
        let record = try JSONParser.parseFile(out + "/tlconvert.json")
        #expect(record["processing"]?["applied"]?["fold_value_biases"]?.boolValue == false)
        #expect(record["processing"]?["applied"]?["fold_ln"]?.boolValue == true)
    }

    @Test func otherQuantizationsAreRefusedInOneLine() throws {
        let dir = ConversionTests.scratch("gptoss-quantized")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/model"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        var config = try String(contentsOfFile: Self.model + "/config.json", encoding: .utf8)
        config = config.replacingOccurrences(of: #""architectures""#, with: #""quantization_config": {"quant_method": "bitsandbytes"}, "architectures""#)
        try config.write(toFile: source + "/config.json", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.model + "/model.safetensors", toPath: source + "/model.safetensors")
        let result = try TLConvertProcess.run([source, "-o", dir + "/out", "--offline"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("bitsandbytes"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
