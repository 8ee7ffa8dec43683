import ArgumentParser
import Foundation
import TLCore
import TLModel
import TLProcessing

/// Times weight processing group by group (as `convert` streams it) on a model of a
/// given shape with random weights, against the time to touch the same bytes once.
struct ProcessingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processing",
        abstract: "Seconds per group for --tl-defaults (and optionally the refactor) on one embed, block and unembed (default: a 7B-shaped LayerNorm model)."
    )

    @Option(name: .customLong("d-model"), help: "Residual width.") var dModel = 4096
    @Option(help: "Attention heads.") var heads = 32
    @Option(name: .customLong("d-mlp"), help: "MLP width.") var dMLP = 11008
    @Option(help: "Vocabulary size.") var vocab = 32000
    @Flag(help: "Use RMSNorm and a gated MLP (LLaMA-like) instead of LayerNorm.") var rms = false
    @Flag(help: "Also time --refactor-factored-attn-matrices on the block.") var refactor = false

    func run() throws {
        var config = CanonicalConfig(nLayers: 1, dModel: dModel, nCtx: 2048, dHead: dModel / heads)
        config.nHeads = heads
        config.dMLP = dMLP
        config.dVocab = vocab
        config.activation = rms ? .silu : .geluNew
        config.gatedMLP = rms
        config.norm = rms ? .rms : .layerNorm
        config.position = .standard
        config.applyDerivedDefaults()
        var all = ForwardBenchmark.randomWeights(config)
        if rms, all["blocks.0.mlp.W_gate"] == nil, let wIn = all["blocks.0.mlp.W_in"] {
            all["blocks.0.mlp.W_gate"] = FloatTensor(shape: wIn.shape, values: wIn.values.reversed())
        }
        print(String(format: "model: d_model %d, %d heads, d_mlp %d, vocab %d, %@", dModel, heads, dMLP, vocab, rms ? "RMSNorm, gated" : "LayerNorm"))
        var modes: [(String, ProcessingOptions)] = [("tl-defaults", .tlDefaults)]
        if refactor && !rms {
            var options = ProcessingOptions.tlDefaults
            options.refactorFactoredAttnMatrices = true
            modes.append(("tl-defaults + refactor", options))
        }
        for (label, options) in modes {
            let plan = try failing { () throws(TLError) in try ProcessingPipeline(options: options).plan(for: config) }
            for group in WeightGroup.all(layers: 1) {
                // Fresh buffers, as the converter's mapper hands out (shared ones would be copied on write).
                var weights = all.filter { WeightGroup(parameter: $0.key) == group }
                    .mapValues { FloatTensor(shape: $0.shape, values: $0.values.map { $0 }) }
                let bytes = weights.values.reduce(0) { $0 + $1.elementCount * 4 }
                let touch = ProcessingBenchmark.touchSeconds(weights)
                let start = now()
                try failing { () throws(TLError) in try plan.process(group, weights: &weights) }
                let seconds = now() - start
                print(String(format: "%@ %@: %.3f s for %.0f MB (%.2f GB/s; one pass over the bytes: %.3f s)",
                             label, "\(group)", seconds, Double(bytes) / 1e6, Double(bytes) / seconds / 1e9, touch))
            }
        }
    }

    /// Seconds to read every value once (a floor for any per-element step).
    static func touchSeconds(_ weights: StateDict) -> Double {
        let start = now()
        var sum: Float = 0
        for tensor in weights.values { sum += tensor.values.reduce(0, +) }
        let seconds = now() - start
        if sum.isNaN { print("") }
        return seconds
    }
}
