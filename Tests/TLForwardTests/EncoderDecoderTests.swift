import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLTestSupport

/// T5's forward pass (`EncoderDecoderTransformer`) on TransformerLens 2.16.1's own weights
/// and config for the fixture: transformers' logits, and TL's `run_with_cache` wherever TL's
/// forward is right.
@Suite struct EncoderDecoderTests {
    static func model() throws -> EncoderDecoderTransformer {
        let reference = Fixtures.reference("t5", "raw")
        return try CanonicalModel.load(config: reference + ".cfg.json", weights: reference + ".safetensors").encoderDecoder()
    }

    static func ids(_ file: SafeTensorsFile, _ name: String) throws -> [[Int]] {
        let tensor = try file.tensor(named: name)
        let values = tensor.integers().map { Int($0) }
        let (rows, cols) = (tensor.shape[0], tensor.shape[1])
        return (0..<rows).map { Array(values[($0 * cols)..<(($0 + 1) * cols)]) }
    }

    @Test func logitsEqualTransformers() throws {
        let dump = try SafeTensorsFile(path: Fixtures.model("t5") + "/hf_logits.safetensors")
        let logits = try Self.model().logits(tokens: try Self.ids(dump, "input_ids"),
                                             decoderTokens: try Self.ids(dump, "decoder_input_ids"))
        let reference = try dump.tensor(named: "logits").float32()
        #expect(logits.shape == reference.shape)
        let vocab = logits.shape[2]
        var worst: Float = 0
        for row in 0..<(logits.values.count / vocab) {
            let a = Array(logits.values[(row * vocab)..<((row + 1) * vocab)])
            let b = Array(reference.values[(row * vocab)..<((row + 1) * vocab)])
            func logSoftmax(_ x: [Float]) -> [Float] {
                let peak = x.max() ?? 0
                let total = log(x.reduce(0) { $0 + exp($1 - peak) })
                return x.map { $0 - peak - total }
            }
            worst = max(worst, zip(logSoftmax(a), logSoftmax(b)).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(worst <= 1e-4, "max |Δ log-prob| \(worst)")
    }

    /// Hooks before any decoder self-attention mixes positions: TL's non-causal, bidirectionally
    /// bucketed decoder self-attention makes every later decoder activation differ.
    static func transformerLensIsRight(_ name: String) -> Bool {
        if name == "hook_embed" || name.hasPrefix("encoder") { return true }
        if name.contains("cross_attn.hook_k") || name.contains("cross_attn.hook_v") { return true }
        return ["decoder.0.hook_resid_pre", "decoder.0.ln1.hook_scale", "decoder.0.ln1.hook_normalized",
                "decoder.0.attn.hook_q", "decoder.0.attn.hook_k", "decoder.0.attn.hook_v"].contains(name)
    }

    @Test func cacheEqualsRunWithCacheWhereTransformerLensIsRight() throws {
        let cache = try SafeTensorsFile(path: Fixtures.model("t5") + "/tl/cache.safetensors")
        let inputs = try JSONParser.parse(cache.metadata["inputs"] ?? "", path: "cache metadata")
        let ids = (inputs["input_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        let decoderIDs = (inputs["decoder_input_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        let recorder = ActivationRecorder()
        _ = try Self.model().run(tokens: [ids], decoderTokens: [decoderIDs], recorder: recorder)
        // The same hook points, with the same shapes.
        #expect(Set(recorder.names) == Set(cache.tensorNames),
                "ours only: \(Set(recorder.names).subtracting(cache.tensorNames).sorted()); TL only: \(Set(cache.tensorNames).subtracting(recorder.names).sorted())")
        var compared = 0
        for info in cache.tensorInfos {
            guard let ours = recorder[info.name] else { continue }
            #expect(ours.shape == info.shape, "\(info.name)")
            guard Self.transformerLensIsRight(info.name), ours.shape == info.shape else { continue }
            let theirs = try cache.tensor(named: info.name).float32()
            let worst = zip(ours.values, theirs.values).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4, "\(info.name) differs by \(worst)")
            compared += 1
        }
        #expect(compared >= 40)
    }

    @Test func transformerLensDecoderDiffersOnlyAfterItsSelfAttention() throws {
        // The documented difference: TL's decoder pattern is not lower-triangular.
        let cache = try SafeTensorsFile(path: Fixtures.model("t5") + "/tl/cache.safetensors")
        let pattern = try cache.tensor(named: "decoder.0.attn.hook_pattern").float32()
        let (q, k) = (pattern.shape[2], pattern.shape[3])
        let future = (0..<q).flatMap { i in ((i + 1)..<k).map { pattern.values[i * k + $0] } }
        #expect(future.contains { $0 > 0 })
    }
}
