import Foundation
import Testing
import ModelConfigs
import TLCore
import TLFormats
@testable import TLConversion
import TLTestSupport

/// Multimodal checkpoints: their language model converts like the text family it is; what is
/// not the language model is left out and said so; a broken wrapper is one line, exit status 2.
struct MultimodalTests {
    /// A copy of a wrapper fixture with its config edited and tensors dropped.
    static func broken(_ name: String, config edit: (inout [(key: String, value: JSONValue)]) -> Void = { _ in },
                       dropping dropped: Set<String> = []) throws -> String {
        let dir = ConversionTests.scratch("multimodal") + "/model"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var members = try JSONParser.parseFile(Fixtures.model(name) + "/config.json").objectMembers ?? []
        edit(&members)
        try writeFileAtomically(JSONWriter.string(.object(members)), to: dir + "/config.json")
        let source = try SafeTensorsFile(path: Fixtures.model(name) + "/model.safetensors")
        let kept = source.tensorInfos.filter { !dropped.contains($0.name) }
        let writer = try SafeTensorsWriter(path: dir + "/model.safetensors",
                                           tensors: kept.map { TensorInfo(name: $0.name, dtype: .f32, shape: $0.shape) })
        for info in kept { try writer.write(name: info.name, values: try source.tensor(named: info.name).float32()) }
        try writer.finish()
        return dir
    }

    @Test(arguments: ["llava", "llava-lm-prefix", "gemma3-mm"])
    func convertSaysWhatIsLeftOutOnOneLine(_ name: String) throws {
        let out = ConversionTests.scratch(name) + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let (status, stdout, stderr) = try TLConvertProcess.run([Fixtures.model(name), "-o", out])
        #expect(status == 0, "\(stderr)")
        let lines = (stdout + stderr).split(separator: "\n").filter { $0.contains("vision tower and projector") }
        #expect(lines.count == 1, "\(stdout)\(stderr)")
        let written = try SafeTensorsFile(path: out + "/model.safetensors")
        #expect(!written.tensorNames.contains { $0.contains("vision") || $0.contains("projector") })
        #expect(FileSystem.isFile(out + "/tokenizer.json"))
    }

    @Test func languageModelArchitectureIsRecordedAsTransformerLensDoes() throws {
        // LLaVA's language model is TransformerLens's LLaMA; Gemma 3's multimodal models keep their name (2.18).
        for (name, expected) in [("llava", "LlamaForCausalLM"), ("gemma3-mm", "Gemma3ForConditionalGeneration")] {
            let config = try Converter().canonicalConfig(of: try HFCheckpoint.open(Fixtures.model(name)), modelID: name)
            #expect(config.originalArchitecture == expected)
        }
    }

    @Test func wrapperWithoutTextConfigIsOneLineNamingTheFile() throws {
        let model = try Self.broken("llava", config: { $0.removeAll { $0.key == "text_config" } })
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: model)) }
        let (status, _, stderr) = try TLConvertProcess.run([model, "-o", FileSystem.directory(of: model) + "/out"])
        #expect(status == 2)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
        #expect(stderr.contains(model + "/config.json") && stderr.contains("text_config"), "\(stderr)")
    }

    @Test(arguments: ["language_model.model.layers.1.self_attn.q_proj.weight", "language_model.lm_head.weight"])
    func missingLanguageModelTensorIsOneLineNamingIt(_ tensor: String) throws {
        let model = try Self.broken("llava", dropping: [tensor])
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: model)) }
        let (status, _, stderr) = try TLConvertProcess.run([model, "-o", FileSystem.directory(of: model) + "/out"])
        #expect(status == 2)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
        let bare = String(tensor.dropFirst("language_model.".count))  // as the text family names it
        #expect(stderr.contains(bare), "\(stderr)")
    }

    @Test func unknownTextModelTypeIsRefused() throws {
        let model = try Self.broken("llava", config: { members in
            guard let i = members.firstIndex(where: { $0.key == "text_config" }),
                  var text = members[i].value.objectMembers else { return }
            text.removeAll { $0.key == "model_type" }
            text.append((key: "model_type", value: .string("fancy_lm")))
            members[i] = (key: "text_config", value: .object(text))
        })
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: model)) }
        let (status, _, stderr) = try TLConvertProcess.run([model, "-o", FileSystem.directory(of: model) + "/out"])
        #expect(status == 2)
        #expect(stderr.contains("fancy_lm"), "\(stderr)")
    }
}
