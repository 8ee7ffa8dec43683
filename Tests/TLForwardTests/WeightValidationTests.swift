import Foundation
import Testing
import TLCore
import TLForward
import TLModel
import TLTestSupport

/// Bad weights or tokens fail with a `TLError` naming the tensor, before any compute.
@Suite struct WeightValidationTests {
    static func model(_ name: String = "rms-rotary-gqa") throws -> CanonicalModel {
        try CanonicalModel.load(directory: Fixtures.path("forward/\(name)"))
    }

    @Test func missingTensorIsNamed() throws {
        var model = try Self.model()
        model.weights["blocks.1.attn._W_K"] = nil
        #expect(throws: TLError.badTensor(name: "blocks.1.attn._W_K", problem: "missing from the model's weights (expected shape [2, 32, 8])")) {
            _ = try model.transformer()
        }
    }

    @Test func wrongShapeIsNamed() throws {
        var model = try Self.model("ln-learned")
        model.weights["blocks.0.mlp.W_in"] = FloatTensor.zeros([48, 32])
        do {
            _ = try model.transformer()
            Issue.record("a transposed W_in was accepted")
        } catch {
            #expect(error == .badTensor(name: "blocks.0.mlp.W_in", problem: "has shape [48, 32], expected [32, 48]"))
            #expect(error.exitCode == 2)
        }
    }

    @Test func tokenOutsideTheVocabularyIsRejected() throws {
        let transformer = try Self.model("ln-learned").transformer()
        #expect(throws: TLError.self) { _ = try transformer.logits(tokens: [[1, 2, 101]]) }
        #expect(throws: TLError.self) { _ = try transformer.logits(tokens: [[1, -1]]) }
        #expect(throws: TLError.self) { _ = try transformer.logits(tokens: [[1, 2], [3]]) }
        #expect(throws: TLError.self) { _ = try transformer.logits(tokens: [Array(repeating: 1, count: 33)]) }
    }

    @Test func leftPaddingIsRejectedRightPaddingIsMasked() throws {
        let transformer = try Self.model().transformer()
        #expect(throws: TLError.self) {
            _ = try transformer.logits(tokens: [[5, 6, 7]], attentionMask: [[0, 1, 1]])
        }
        // With right padding, the real positions do not see the padded keys.
        let padded = try transformer.logits(tokens: [[5, 6, 7, 9]], attentionMask: [[1, 1, 1, 0]])
        let alone = try transformer.logits(tokens: [[5, 6, 7]])
        let vocab = alone.shape[2]
        for i in 0..<(3 * vocab) { #expect(abs(padded.values[i] - alone.values[i]) < 1e-5) }
    }

    @Test func unsupportedConfigIsExplained() throws {
        var model = try Self.model("ln-learned")
        model.config.position = .relativePositionalBias
        #expect(throws: TLError.self) { _ = try model.transformer() }
        model = try Self.model("ln-learned")
        model.config.activation = nil
        #expect(throws: TLError.self) { _ = try model.transformer() }
    }

    /// A flag string TransformerLens does not define is refused where config.json is read, naming the choices.
    @Test func unknownFlagStringsAreRefusedWhenRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flags-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/config.json"
        try #"{"n_layers": 1, "d_model": 8, "n_ctx": 4, "d_head": 4, "act_fn": "swish-ish"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let choices = ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")  // gelu, gelu_new, …, xielu
        #expect(throws: TLError.badFile(path: path, problem: "config key 'act_fn': 'swish-ish' is not one of \(choices)")) {
            _ = try CanonicalModel.loadConfig(path)
        }
    }
}

@Suite struct HookFilterTests {
    @Test func globsMatchHookNames() {
        let filter = HookFilter("blocks.*.attn.hook_pattern, ln_final.*")
        #expect(filter.matches("blocks.0.attn.hook_pattern"))
        #expect(filter.matches("blocks.11.attn.hook_pattern"))
        #expect(filter.matches("ln_final.hook_scale"))
        #expect(!filter.matches("blocks.0.attn.hook_z"))
        #expect(!filter.matches("blocks.0.ln1.hook_scale"))
        #expect(HookFilter("blocks.?.hook_resid_pre").matches("blocks.3.hook_resid_pre"))
        #expect(!HookFilter("blocks.?.hook_resid_pre").matches("blocks.10.hook_resid_pre"))
        #expect(HookFilter.all.matches("hook_embed"))
    }

    @Test func filteredRecorderHoldsOnlyMatches() throws {
        let transformer = try CanonicalModel.load(directory: Fixtures.path("forward/ln-learned")).transformer()
        let recorder = ActivationRecorder(filter: HookFilter("blocks.1.attn.hook_pattern"))
        let logits = try transformer.run(tokens: [[1, 2, 3]], recorder: recorder)
        #expect(recorder.names == ["blocks.1.attn.hook_pattern"])
        #expect(recorder["blocks.1.attn.hook_pattern"]?.shape == [1, 4, 3, 3])
        #expect(logits == (try transformer.logits(tokens: [[1, 2, 3]])))
    }
}
