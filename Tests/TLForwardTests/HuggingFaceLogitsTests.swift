import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLModel
import TLTestSupport

/// The forward pass on TransformerLens's own weights (raw and with the default
/// processing) reproduces Hugging Face's float32 logits.
@Suite struct HuggingFaceLogitsTests {
    @Test func manifestListsTheCoreCases() throws {
        let names = Fixtures.withTLReferences.map(\.name)
        #expect(names.contains("gpt2"))
        #expect(names.contains("lam-gqa"))
        let runs = Fixtures.referenceRuns().map(\.description)
        for name in ["gpt2", "gpt2-hub", "gpt2-bin", "gpt2-sharded", "gpt2-f16", "gpt2-bf16", "neo", "gptj", "neox",
                     "opt", "bloom", "lam-gqa", "mistral", "mixtral", "qwen2", "qwen3", "phi", "phi3"] {
            #expect(runs.contains("\(name)/raw"), "no raw TransformerLens reference for \(name)")
        }
        #expect(runs.filter { $0.hasSuffix("/defaults") }.count >= 16)
    }

    @Test(arguments: Fixtures.referenceRuns())
    func matchesHuggingFace(run: Fixtures.Run) throws {
        let base = Fixtures.path("models/\(run.fixture.name)")
        let tl = Fixtures.reference(run.fixture.name, run.processing)
        let config = try Fixtures.config(tl + ".cfg.json", corrections: run.fixture.tlWrongConfig.map { ($0.key, $0.value) })
        let weights = try CanonicalModel.load(config: tl + ".cfg.json", weights: tl + ".safetensors").weights
        let transformer = try Transformer(config: config, weights: weights)
        let reference = try SafeTensorsFile(path: "\(base)/\(run.fixture.logitsReference)")
        let tokens = try Fixtures.tokens(reference)
        let expected = try reference.tensor(named: "logits").floats()
        let logits = try transformer.logits(tokens: tokens)
        #expect(logits.shape == [tokens.count, tokens[0].count, config.dVocabOut])
        let diff = Fixtures.maxLogProbDiff(logits.values, expected, vocab: config.dVocabOut)
        print("max |Δ log-prob| \(run): \(diff)")
        #expect(diff <= 1e-4, "\(run): max |Δ log-prob| \(diff)")
    }

    /// Gemma and Gemma 2 have Hugging Face logits only (TransformerLens cannot load them by
    /// path); Fixtures/forward/gem*-tl hold them in TransformerLens's layout, converted by
    /// TransformerLens's own `convert_gemma_weights`.
    @Test(arguments: ["gem", "gem2"])
    func gemmaMatchesHuggingFace(name: String) throws {
        let transformer = try CanonicalModel.load(directory: Fixtures.path("forward/\(name)-tl")).transformer()
        let reference = try SafeTensorsFile(path: Fixtures.path("models/\(name)/hf_logits.safetensors"))
        let logits = try transformer.logits(tokens: try Fixtures.tokens(reference))
        let diff = Fixtures.maxLogProbDiff(logits.values, try reference.tensor(named: "logits").floats(),
                                          vocab: transformer.config.dVocabOut)
        print("max |Δ log-prob| \(name): \(diff)")
        #expect(diff <= 1e-4, "\(name): max |Δ log-prob| \(diff)")
    }

    /// Canonical weights stored as F16 / BF16 are widened to float32 for compute: the
    /// half-precision fixtures' raw TransformerLens weights (exactly representable) written
    /// in their own dtype still reproduce the Hugging Face logits.
    @Test(arguments: [("gpt2-f16", DType.f16), ("gpt2-bf16", DType.bf16)])
    func halfPrecisionWeightsMatchHuggingFace(name: String, dtype: DType) throws {
        let base = Fixtures.path("models/\(name)")
        let source = try SafeTensorsFile(path: "\(base)/tl/raw.safetensors")
        let path = NSTemporaryDirectory() + "tlforward-\(name)-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try SafeTensorsWriter(path: path, tensors: source.tensorInfos.map {
            TensorInfo(name: $0.name, dtype: dtype, shape: $0.shape)
        })
        for info in source.tensorInfos {
            let values = try source.tensor(named: info.name).float32()
            // Exactly representable: the fixture's weights are half-precision values.
            #expect(values.encoded(as: dtype).float32() == values, "\(info.name) is not \(dtype)-exact")
            try writer.write(name: info.name, values: values)
        }
        try writer.finish()
        let model = try CanonicalModel.load(config: "\(base)/tl/raw.cfg.json", weights: path)
        let reference = try SafeTensorsFile(path: "\(base)/hf_logits.safetensors")
        let logits = try model.transformer().logits(tokens: try Fixtures.tokens(reference))
        let diff = Fixtures.maxLogProbDiff(logits.values, try reference.tensor(named: "logits").floats(),
                                          vocab: model.config.dVocabOut)
        #expect(diff <= 1e-4, "\(name) from \(dtype) weights: max |Δ log-prob| \(diff)")
    }
}
