import Foundation
import Testing
import TLFormats
import TLTestSupport

/// GPT-OSS with MXFP4 experts (the Hub's layout, tools/make_mxfp4_fixture.py): the converted experts
/// are transformers' dequantized ones bit for bit, raw and processed logits match transformers' from
/// the converted directory and straight from the packed checkpoint, malformed packing exits 2.
struct GptOssMxfp4Tests {
    static let model = Fixtures.model("gptoss-mxfp4")
    static let blocks = "model.layers.0.mlp.experts.gate_up_proj_blocks"

    @Test func convertedExpertsAreTransformersDequantizedOnes() throws {
        let out = ConversionTests.scratch("gptoss-mxfp4-weights") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let convert = try TLConvertProcess.run([Self.model, "-o", out, "--offline"])
        #expect(convert.status == 0, "\(convert.stderr)")
        let converted = try SafeTensorsFile(path: out + "/model.safetensors")
        let reference = try SafeTensorsFile(path: Self.model + "/hf_dequantized.safetensors")
        var compared = 0
        for l in 0..<3 {
            // transformers: gate_up_proj [e, d_model, 2·d_mlp] (gate even columns, up odd), down_proj [e, d_mlp, d_model].
            let gateUp = try reference.tensor(named: "model.layers.\(l).mlp.experts.gate_up_proj")
            let down = try reference.tensor(named: "model.layers.\(l).mlp.experts.down_proj")
            let (e, m, f2) = (gateUp.shape[0], gateUp.shape[1], gateUp.shape[2])
            let (gu, dn) = (gateUp.floats(), down.floats())
            for x in 0..<e {
                let prefix = "blocks.\(l).mlp.experts.\(x)."
                let wGate = try converted.tensor(named: prefix + "W_gate.weight").floats()
                let wIn = try converted.tensor(named: prefix + "W_in.weight").floats()
                let wOut = try converted.tensor(named: prefix + "W_out.weight").floats()
                for i in 0..<f2 / 2 {
                    for j in 0..<m {
                        let base = (x * m + j) * f2 + 2 * i
                        #expect(wGate[i * m + j].bitPattern == gu[base].bitPattern)
                        #expect(wIn[i * m + j].bitPattern == gu[base + 1].bitPattern)
                        // TransformerLens W_out.weight [d_model, d_mlp].
                        #expect(wOut[j * (f2 / 2) + i].bitPattern == dn[(x * (f2 / 2) + i) * m + j].bitPattern)
                        compared += 3
                    }
                }
            }
        }
        print("gptoss-mxfp4: \(compared) expert weights bit-identical to transformers' dequantization")
    }

    @Test(arguments: [[], ["--tl-defaults"]])
    func logitsMatchTransformersConvertedAndFromThePackedCheckpoint(_ flags: [String]) throws {
        let out = ConversionTests.scratch("gptoss-mxfp4") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let convert = try TLConvertProcess.run([Self.model, "-o", out, "--offline"] + flags)
        #expect(convert.status == 0, "\(convert.stderr)")
        for (kind, source) in [("converted", [out]), ("checkpoint", [Self.model] + flags)] {
            let result = try TLConvertProcess.run(["verify"] + source + ["--reference", Self.model + "/hf_logits.safetensors", "--json"])
            #expect(result.status == 0, "\(kind) \(flags): \(result.stderr)")
            let report = try JSONParser.parse(result.stdout, path: "verify --json")
            let diff = try #require(report["max_logprob_diff"]?.doubleValue)
            print("gptoss-mxfp4 \(flags) \(kind): max |Δ log-prob| \(diff)")
            #expect(diff <= 1e-4)
        }
    }

    /// The fixture with one header entry rewritten (offsets count from the header's end: the data stays valid).
    static func malformed(_ name: String, _ old: String, _ new: String) throws -> (status: Int32, stderr: String, wrote: Bool) {
        let dir = ConversionTests.scratch("gptoss-mxfp4-bad-\(name)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/model"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        for file in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: Self.model + "/" + file, toPath: source + "/" + file)
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.model + "/model.safetensors")))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
        let entry = "\"\(name)\":{" + old
        #expect(header.contains(entry), "fixture header changed")
        header = header.replacingOccurrences(of: entry, with: "\"\(name)\":{" + new)
        let newHeader = Array(header.utf8)
        bytes.replaceSubrange(8..<8 + headerLength, with: newHeader)
        bytes.replaceSubrange(0..<8, with: (0..<8).map { UInt8(truncatingIfNeeded: newHeader.count >> (8 * $0)) })
        try Data(bytes).write(to: URL(fileURLWithPath: source + "/model.safetensors"))
        let result = try TLConvertProcess.run([source, "-o", dir + "/out", "--offline"])
        return (result.status, result.stderr, FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test(arguments: [
        (Self.blocks, #""dtype":"U8","shape":[24,64,1,16]"#, #""dtype":"I8","shape":[24,64,1,16]"#, "MXFP4 packs U8"),
        (Self.blocks, #""dtype":"U8","shape":[24,64,1,16]"#, #""dtype":"U8","shape":[24,64,2, 8]"#, "[experts, rows, groups, 16]"),
        (Self.blocks, #""dtype":"U8","shape":[24,64,1,16]"#, #""dtype":"U8","shape":[24,32,2,16]"#, "its blocks [24, 32, 2, 16] need [24, 32, 2]"),
        ("model.layers.0.mlp.experts.down_proj_scales", #""dtype":"U8","shape":[24,32,1]"#, #""dtype":"BF16","shape":[24,16]"#, "is BF16"),
    ])
    func malformedPackingExitsTwoNamingTheTensor(_ name: String, _ old: String, _ new: String, _ problem: String) throws {
        let result = try Self.malformed(name, old, new)
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stderr.contains(problem), "\(result.stderr)")
        #expect(!result.wrote, "nothing half-written")
    }
}
