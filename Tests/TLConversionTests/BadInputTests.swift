import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLConversion
import TLTestSupport

/// Bad inputs fail with one line naming the file or tensor, exit status 2, and leave
/// no output directory behind.
struct BadInputTests {
    /// A copy of the gpt2 fixture, with `config` edited and `tensors` (name → replacement
    /// or nil to drop) changed in its model.safetensors.
    static func brokenModel(config edit: (inout [(key: String, value: JSONValue)]) -> Void = { _ in },
                            tensors changes: [String: FloatTensor?] = [:]) throws -> String {
        let dir = ConversionTests.scratch("bad") + "/model"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var members = try JSONParser.parseFile(Fixtures.model("gpt2") + "/config.json").objectMembers ?? []
        edit(&members)
        try writeFileAtomically(JSONWriter.string(.object(members)), to: dir + "/config.json")
        let source = try SafeTensorsFile(path: Fixtures.model("gpt2") + "/model.safetensors")
        var tensors = [(String, FloatTensor)]()
        for info in source.tensorInfos {
            if let change = changes[info.name] {
                if let replacement = change { tensors.append((info.name, replacement)) }
            } else {
                tensors.append((info.name, try source.tensor(named: info.name).float32()))
            }
        }
        let writer = try SafeTensorsWriter(path: dir + "/model.safetensors",
                                           tensors: tensors.map { TensorInfo(name: $0.0, dtype: .f32, shape: $0.1.shape) })
        for (name, tensor) in tensors { try writer.write(name: name, values: tensor) }
        try writer.finish()
        return dir
    }

    static let drop: FloatTensor? = nil

    static func setting(_ key: String, _ value: JSONValue) -> (inout [(key: String, value: JSONValue)]) -> Void {
        { members in
            members.removeAll { $0.key == key }
            members.append((key, value))
        }
    }

    /// Converts through the library; returns the error.
    static func conversionError(_ model: String, force: Bool = false, output: String? = nil) -> TLError? {
        let out = output ?? FileSystem.directory(of: model) + "/out"
        do {
            _ = try Converter(force: force).convert(try HFCheckpoint.open(model), modelID: model, to: out)
            return nil
        } catch {
            #expect(FileSystem.kind(of: out) == .missing || output != nil, "no output directory after a failure")
            let leftovers = (try? FileSystem.contents(of: FileSystem.directory(of: out))) ?? []
            #expect(!leftovers.contains { $0.contains(".tmp-") }, "temporary directory left behind: \(leftovers)")
            return error
        }
    }

    @Test func unknownArchitecture() throws {
        let model = try Self.brokenModel(config: Self.setting("architectures", .array([.string("FancyNewLM")])))
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("FancyNewLM") && error.description.contains("supported: GPT2LMHeadModel"))
        #expect(error.exitCode == 2)
    }

    @Test func missingTensorIsNamed() throws {
        let model = try Self.brokenModel(tensors: ["transformer.h.1.mlp.c_fc.weight": Self.drop])
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("transformer.h.1.mlp.c_fc.weight") && error.description.contains("missing"))
    }

    @Test func wrongShapeNamesExpectedAndFound() throws {
        let model = try Self.brokenModel(tensors: ["transformer.h.0.attn.c_proj.weight": .zeros([32, 16])])
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("transformer.h.0.attn.c_proj.weight"))
        #expect(error.description.contains("[32, 16]") && error.description.contains("[32, 32]"))
    }

    @Test func configDisagreesWithWeights() throws {
        // config.json says n_embd 64 (and 4 heads of 16), the tensors are 32 wide.
        let model = try Self.brokenModel(config: Self.setting("n_embd", .int(64)))
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("transformer.wte.weight"))
        #expect(error.description.contains("[400, 32]") && error.description.contains("[400, 64]"))
    }

    @Test func unexpectedTensorIsAnError() throws {
        // config.json says one layer; the file still holds layer 1.
        let model = try Self.brokenModel(config: Self.setting("n_layer", .int(1)))
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("transformer.h.1.") && error.description.contains("unexpected tensor"))
    }

    @Test func absurdLayerCountFailsFast() throws {
        let model = try Self.brokenModel(config: Self.setting("n_layer", .int(1_000_000_000)))
        let error = try #require(Self.conversionError(model))
        #expect(error.description.contains("too few"))
    }

    @Test func existingOutputNeedsForce() throws {
        let out = ConversionTests.scratch("exists") + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try writeFileAtomically("keep", to: out + "/marker")
        let error = try #require(Self.conversionError(Fixtures.model("gpt2"), output: out))
        #expect(error.description.contains("--force"))
        #expect(FileSystem.isFile(out + "/marker"), "the existing directory is untouched")
        // With --force it is replaced as a whole.
        _ = try Converter(force: true).convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out)
        #expect(!FileSystem.isFile(out + "/marker") && FileSystem.isFile(out + "/model.safetensors"))
    }

    // MARK: The command line

    @Test func commandLineReportsOneLineAndExitsTwo() throws {
        let cases: [(String, String)] = [
            (try Self.brokenModel(config: Self.setting("architectures", .array([.string("FancyNewLM")]))), "FancyNewLM"),
            (try Self.brokenModel(tensors: ["transformer.wpe.weight": Self.drop]), "transformer.wpe.weight"),
            (try Self.brokenModel(config: Self.setting("n_embd", .int(64))), "transformer.wte.weight"),
        ]
        for (model, mention) in cases {
            let out = FileSystem.directory(of: model) + "/converted"
            let (status, _, stderr) = try TLConvertProcess.run([model, "-o", out])
            #expect(status == 2)
            let lines = stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("tlconvert: ") && stderr.contains(mention), "\(stderr)")
            #expect(FileSystem.kind(of: out) == .missing)
        }
        let out = ConversionTests.scratch("cli") + "/converted"
        #expect(try TLConvertProcess.run([Fixtures.model("gpt2"), "-o", out]).status == 0)
        let again = try TLConvertProcess.run(["convert", Fixtures.model("gpt2"), "-o", out])
        #expect(again.status == 2 && again.stderr.contains("--force"))
        #expect(try TLConvertProcess.run([Fixtures.model("gpt2"), "-o", out, "--force", "--dtype", "bfloat16"]).status == 0)
        #expect(try TLConvertProcess.run([Fixtures.model("gpt2"), "-o", out, "--force", "--dtype", "int8"]).status == 2)
    }
}
