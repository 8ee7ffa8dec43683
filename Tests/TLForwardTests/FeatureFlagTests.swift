import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLTestSupport

/// Each feature flag of the forward pass against TransformerLens 2.16.1 itself, on tiny
/// random models written by tools/make_forward_fixtures.py: logits and every hook of
/// `run_with_cache`.
@Suite struct FeatureFlagTests {
    static let cases: [String] = {
        let dir = Fixtures.path("forward")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }()

    @Test func everyFlagCaseIsPresent() {
        for name in ["ln-learned", "rms-rotary-gqa", "rotary-adjacent-parallel", "local-unscaled", "alibi-embed-ln",
                     "softcaps-post-norms", "qk-norm", "moe", "inverse-layer-scale-lnpre", "ntk-rmspre", "solu-ln",
                     "attn-only", "gem-tl", "gem2-tl"] {
            #expect(Self.cases.contains(name), "missing Fixtures/forward/\(name)")
        }
    }

    @Test(arguments: cases)
    func matchesTransformerLens(name: String) throws {
        let dir = Fixtures.path("forward/\(name)")
        let model = try CanonicalModel.load(directory: dir)
        let transformer = try model.transformer()
        let reference = try SafeTensorsFile(path: "\(dir)/reference.safetensors")
        let tokens = try Fixtures.tokens(reference)
        let recorder = ActivationRecorder()
        let logits = try transformer.run(tokens: tokens, recorder: recorder)
        let expected = try reference.tensor(named: "logits").floats()
        var worstLogit: Float = 0
        for (a, b) in zip(logits.values, expected) { worstLogit = max(worstLogit, abs(a - b)) }
        #expect(worstLogit <= 1e-4, "\(name): logits differ by \(worstLogit)")

        let cache = try SafeTensorsFile(path: "\(dir)/cache.safetensors")
        let worst = try CacheComparison.compare(recorder: recorder, cache: cache,
                                                skipping: { $0.contains(".experts.") || $0.hasSuffix("hook_expert_indices") })
        print("\(name): logits max |Δ| \(worstLogit), cache max |Δ| \(worst.difference) at \(worst.name)")
        #expect(worst.difference <= 1e-4, "\(name): \(worst.name) differs by \(worst.difference)")
    }
}

/// Compares recorded activations with a TransformerLens cache file, hook by hook.
enum CacheComparison {
    struct Worst { var name = ""; var difference: Float = 0 }

    /// Every cache entry must be recorded with the same shape; -inf must match -inf.
    static func compare(recorder: ActivationRecorder, cache: SafeTensorsFile,
                        skipping skip: (String) -> Bool = { _ in false }) throws -> Worst {
        var worst = Worst()
        for info in cache.tensorInfos where !skip(info.name) {
            let mine = try #require(recorder[info.name], "hook \(info.name) was not recorded")
            try #require(mine.shape == info.shape, "\(info.name): shape \(mine.shape), TransformerLens \(info.shape)")
            let theirs = try cache.tensor(named: info.name).floats()
            for (a, b) in zip(mine.values, theirs) {
                let d: Float = a == b ? 0 : abs(a - b)
                if !(d <= worst.difference) { worst = Worst(name: info.name, difference: d) }
            }
        }
        return worst
    }
}
