import ArgumentParser
import COpenBLAS
import Foundation
import TLCore
import TLForward
import TLModel

/// Times the forward pass on a model of a given shape with random weights and
/// compares its achieved GFLOP/s with a bare `cblas_sgemm` measured in the same run.
struct ForwardBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Seconds per forward pass and GFLOP/s as a fraction of bare sgemm (default: gpt2-medium shape, 1 × 128 tokens)."
    )

    @Option(help: "Layers.") var layers = 24
    @Option(name: .customLong("d-model"), help: "Residual width.") var dModel = 1024
    @Option(help: "Attention heads.") var heads = 16
    @Option(name: .customLong("d-mlp"), help: "MLP width.") var dMLP = 4096
    @Option(help: "Vocabulary size.") var vocab = 50257
    @Option(name: .customLong("n-ctx"), help: "Context length.") var context = 1024
    @Option(help: "Batch size.") var batch = 1
    @Option(help: "Tokens per sequence.") var tokens = 128
    @Option(help: "Timed forward passes (the best counts).") var repeats = 5
    @Flag(help: "Also time each product shape of the forward pass alone (sgemm GFLOP/s per shape).") var shapes = false
    @Option(name: .customLong("new-tokens"), help: "Tokens to generate after the first sequence (KV cache, greedy; 0: skip).") var newTokens = 32

    func run() throws {
        var config = CanonicalConfig(nLayers: layers, dModel: dModel, nCtx: context, dHead: dModel / heads)
        config.nHeads = heads
        config.dMLP = dMLP
        config.dVocab = vocab
        config.activation = .geluNew
        config.norm = .layerNorm
        config.applyDerivedDefaults()

        let build = Date()
        let transformer = try Transformer(config: config, weights: ForwardBenchmark.randomWeights(config))
        print(String(format: "model: %d layers, d_model %d, %d heads, d_mlp %d, vocab %d (random weights, built in %.1f s)",
                     layers, dModel, heads, dMLP, vocab, Date().timeIntervalSince(build)))

        var generator = SplitMix64(seed: 2)
        let input = (0..<batch).map { _ in (0..<tokens).map { _ in Int(generator.next() % UInt64(vocab)) } }
        _ = try transformer.logits(tokens: input)  // warm-up
        // Forward passes and bare sgemm bursts alternate, so both see the same machine
        // load; the best of each counts.
        var best = Double.infinity
        var bare = 0.0
        for _ in 0..<repeats {
            let start = Date()
            _ = try transformer.logits(tokens: input)
            best = min(best, Date().timeIntervalSince(start))
            bare = max(bare, ForwardBenchmark.bareSgemmRate(m: batch * tokens, k: dModel, n: dMLP, repeats: 10))
        }
        let flops = forwardFlops()
        let rate = flops / best / 1e9
        print(String(format: "forward: %d × %d tokens, best of %d: %.3f s (%.1f GFLOP)", batch, tokens, repeats, best, flops / 1e9))
        print(String(format: "achieved: %.1f GFLOP/s", rate))
        print(String(format: "bare cblas_sgemm %d×%d×%d: %.1f GFLOP/s", batch * tokens, dModel, dMLP, bare))
        print(String(format: "fraction of bare sgemm: %.2f (target ≥ 0.60); sgemm floor for this forward: %.3f s",
                     rate / bare, flops / (bare * 1e9)))
        if newTokens > 0 {
            let timing = try GenerationBenchmark.measure(transformer, prompt: input[0], newTokens: min(newTokens, context - tokens),
                                                         repeats: min(repeats, 3))
            GenerationBenchmark.report(timing, promptTokens: tokens, forwardSeconds: best / Double(batch))
        }
        if shapes {
            let t = batch * tokens
            var floor = 0.0
            for (name, k, n, count) in [("QKV", dModel, 3 * dModel, layers), ("W_O", dModel, dModel, layers),
                                        ("W_in", dModel, dMLP, layers), ("W_out", dMLP, dModel, layers),
                                        ("W_U", dModel, vocab, 1)] {
                let shapeRate = ForwardBenchmark.bareSgemmRate(m: t, k: k, n: n, repeats: 5)
                let seconds = 2 * Double(t) * Double(k) * Double(n) / (shapeRate * 1e9) * Double(count)
                floor += seconds
                print(String(format: "  %@ %d×%d×%d: %.1f GFLOP/s, %.3f s per forward", name, t, k, n, shapeRate, seconds))
            }
            print(String(format: "  sum of the dense products at those rates: %.3f s", floor))
        }
    }

    /// Floating-point operations the forward pass performs (multiply-adds counted as 2).
    func forwardFlops() -> Double {
        let t = Double(batch * tokens), d = Double(dModel), m = Double(dMLP), s = Double(tokens)
        let perLayer = 2 * t * d * (3 * d)          // Q, K, V
            + 2 * t * d * d                          // output projection
            + 2 * 2 * t * d * m                      // MLP in and out
            + 2 * 2 * Double(batch * heads) * s * s * d / Double(heads)  // scores and z
        return Double(layers) * perLayer + 2 * t * d * Double(vocab)
    }

    /// Best GFLOP/s of `C[m×n] = A[m×k]·B[k×n]`.
    static func bareSgemmRate(m: Int, k: Int, n: Int, repeats: Int) -> Double {
        var generator = SplitMix64(seed: 3)
        let a = (0..<(m * k)).map { _ in generator.nextFloat() }
        let b = (0..<(k * n)).map { _ in generator.nextFloat() }
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let start = Date()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                        1, a, blasint(k), b, blasint(n), 0, &c, blasint(n))
            best = min(best, Date().timeIntervalSince(start))
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }

    /// Every canonical tensor of the config, small uniform random values.
    static func randomWeights(_ c: CanonicalConfig) -> StateDict {
        var generator = SplitMix64(seed: 1)
        func random(_ shape: [Int], scale: Float = 0.02) -> FloatTensor {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count { values[i] = scale * generator.nextFloat() }
            return FloatTensor(shape: shape, values: values)
        }
        func ones(_ shape: [Int]) -> FloatTensor { FloatTensor(shape: shape, values: [Float](repeating: 1, count: shape.reduce(1, *))) }
        let (d, h, dh, m) = (c.dModel, c.nHeads, c.dHead, c.dMLP ?? 4 * c.dModel)
        var weights: StateDict = ["embed.W_E": random([c.dVocab, d]), "pos_embed.W_pos": random([c.nCtx, d]),
                                  "ln_final.w": ones([d]), "ln_final.b": random([d]),
                                  "unembed.W_U": random([d, c.dVocabOut]), "unembed.b_U": random([c.dVocabOut])]
        for l in 0..<c.nLayers {
            let p = "blocks.\(l)."
            for norm in ["ln1", "ln2"] {
                weights[p + norm + ".w"] = ones([d])
                weights[p + norm + ".b"] = random([d])
            }
            for name in ["W_Q", "W_K", "W_V"] { weights[p + "attn." + name] = random([h, d, dh]) }
            for name in ["b_Q", "b_K", "b_V"] { weights[p + "attn." + name] = random([h, dh]) }
            weights[p + "attn.W_O"] = random([h, dh, d])
            weights[p + "attn.b_O"] = random([d])
            weights[p + "mlp.W_in"] = random([d, m])
            weights[p + "mlp.b_in"] = random([m])
            weights[p + "mlp.W_out"] = random([m, d])
            weights[p + "mlp.b_out"] = random([d])
        }
        return weights
    }
}

extension SplitMix64 {
    /// Uniform in [-1, 1), for benchmark data.
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
