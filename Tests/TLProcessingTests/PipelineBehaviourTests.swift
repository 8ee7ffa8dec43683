import Testing
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// Flag interplay, refusals, config changes and bad input, on small random models.
struct PipelineBehaviourTests {
    typealias Shape = SyntheticModel.Shape

    private func isUnsupported(_ error: TLError, mentioning text: String) -> Bool {
        if case .unsupported(let message) = error { return message.contains(text) }
        return false
    }

    @Test func refactorIsRefusedForRotaryModels() {
        let config = SyntheticModel.config(Shape(layerNorm: false, rotary: true))
        let pipeline = ProcessingPipeline(options: .init(refactorFactoredAttnMatrices: true))
        #expect { try pipeline.outputConfig(for: config) } throws: { isUnsupported($0 as! TLError, mentioning: "rotary") }
        let weights = SyntheticModel.weights(Shape(layerNorm: false, rotary: true))
        #expect { try pipeline.process(all: weights, config: config) } throws: {
            isUnsupported($0 as! TLError, mentioning: "rotary")
        }
    }

    @Test func refactorIsRefusedForGroupedQueryAttention() {
        let config = SyntheticModel.config(Shape(kvHeads: 1))
        let pipeline = ProcessingPipeline(options: .init(refactorFactoredAttnMatrices: true))
        #expect { try pipeline.process(all: SyntheticModel.weights(Shape(kvHeads: 1)), config: config) } throws: {
            isUnsupported($0 as! TLError, mentioning: "grouped-query")
        }
    }

    @Test func layerNormMixtureOfExpertsFoldIsRefused() {
        let shape = Shape(layerNorm: true, experts: 3)
        #expect { try ProcessingPipeline(options: .tlDefaults).outputConfig(for: SyntheticModel.config(shape)) } throws: {
            isUnsupported($0 as! TLError, mentioning: "mixture-of-experts")
        }
    }

    @Test func foldChangesTheNormalizationType() throws {
        let fold = ProcessingPipeline(options: .init(foldLN: true))
        #expect(try fold.outputConfig(for: SyntheticModel.config(Shape(layerNorm: true))).norm == .layerNormPre)
        #expect(try fold.outputConfig(for: SyntheticModel.config(Shape(layerNorm: false))).norm == .rmsPre)
        #expect(try fold.outputConfig(for: SyntheticModel.config(Shape(layerNorm: false, experts: 3))).norm == .rmsPre)
        var none = SyntheticModel.config(Shape())
        none.norm = nil
        #expect(try fold.outputConfig(for: none) == none)
        var shortformer = SyntheticModel.config(Shape())
        shortformer.position = .shortformer
        #expect(try ProcessingPipeline(options: .tlDefaults).outputConfig(for: shortformer) == shortformer)
        #expect(try ProcessingPipeline(options: .tlDefaults).plan(for: shortformer).steps == [.foldValueBiases])
        let unchanged = SyntheticModel.config(Shape())
        #expect(try ProcessingPipeline(options: .init(centerUnembed: true, foldValueBiases: true)).outputConfig(for: unchanged) == unchanged)
    }

    @Test func writingWeightsAreNotCentredForRMSModels() throws {
        let plan = try ProcessingPipeline(options: .tlDefaults).plan(for: SyntheticModel.config(Shape(layerNorm: false)))
        #expect(plan.steps == [.foldLN, .centerUnembed, .foldValueBiases])
        #expect(plan.notices.count == 1 && plan.notices[0].contains("not centring the writing weights"))
        let lnPlan = try ProcessingPipeline(options: .tlDefaults).plan(for: SyntheticModel.config(Shape()))
        #expect(lnPlan.steps == [.foldLN, .centerWritingWeights, .centerUnembed, .foldValueBiases])
        #expect(lnPlan.notices.isEmpty)
    }

    @Test func softCappedLogitsKeepTheirUnembed() throws {
        var config = SyntheticModel.config(Shape(layerNorm: false))
        config.outputLogitsSoftCap = 30
        let plan = try ProcessingPipeline(options: .tlDefaults).plan(for: config)
        #expect(!plan.steps.contains(.centerUnembed))
        #expect(plan.notices.contains { $0.contains("soft-capped") })
        let raw = SyntheticModel.weights(Shape(layerNorm: false))
        let (out, _) = try ProcessingPipeline(options: .init(centerUnembed: true)).process(all: raw, config: config)
        #expect(out == raw)
    }

    @Test func writingWeightsAndUnembedAreCentred() throws {
        let shape = Shape()
        let (out, _) = try ProcessingPipeline(options: .tlDefaults).process(all: SyntheticModel.weights(shape),
                                                                            config: SyntheticModel.config(shape))
        func rowMeans(_ name: String, rowLength: Int) -> [Float] {
            let v = out[name]!.values
            return stride(from: 0, to: v.count, by: rowLength).map { v[$0..<($0 + rowLength)].reduce(0, +) / Float(rowLength) }
        }
        let d = 12
        for name in ["embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_O", "blocks.1.attn.b_O", "blocks.0.mlp.W_out", "blocks.1.mlp.b_out"] {
            #expect(rowMeans(name, rowLength: d).allSatisfy { abs($0) < 1e-6 }, "\(name) not centred")
        }
        #expect(rowMeans("unembed.W_U", rowLength: 30).allSatisfy { abs($0) < 1e-6 })
        #expect(rowMeans("unembed.b_U", rowLength: 30).allSatisfy { abs($0) < 1e-6 })
        // Readers of LNPre are centred along d_model.
        let wIn = out["blocks.0.mlp.W_in"]!.values
        for j in 0..<20 { #expect(abs((0..<d).reduce(Float(0)) { $0 + wIn[$1 * 20 + j] }) < 1e-5) }
    }

    @Test func missingUnembedBiasIsCreated() throws {
        for layerNorm in [true, false] {
            let shape = Shape(layerNorm: layerNorm, withUnembedBias: false)
            let (out, _) = try ProcessingPipeline(options: .init(foldLN: true)).process(all: SyntheticModel.weights(shape),
                                                                                    config: SyntheticModel.config(shape))
            let bias = try #require(out["unembed.b_U"])
            #expect(bias.shape == [30])
            // A LayerNorm bias maps through W_U into b_U; RMSNorm has none.
            #expect(bias.values.contains { $0 != 0 } == layerNorm)
        }
    }

    @Test func parallelBlockWithOneStoredNormFoldsItIntoTheMLP() throws {
        let shape = Shape(parallelWithoutLN2: true)
        let raw = SyntheticModel.weights(shape)
        let config = SyntheticModel.config(shape)
        let (out, _) = try ProcessingPipeline(options: .init(foldLN: true)).process(all: raw, config: config)
        var rng = SplitMix64(seed: 3)
        let x = (0..<12).map { _ in Float(rng.normal() + 1) }
        let before = normalise(x, raw, "blocks.1.ln1", config), after = normalise(x, out, nil, config)
        for j in 0..<20 {
            var a = Double(raw["blocks.1.mlp.b_in"]!.values[j]), b = Double(out["blocks.1.mlp.b_in"]!.values[j])
            for d in 0..<12 {
                a += before[d] * Double(raw["blocks.1.mlp.W_in"]!.values[d * 20 + j])
                b += after[d] * Double(out["blocks.1.mlp.W_in"]!.values[d * 20 + j])
            }
            #expect(abs(a - b) < 1e-4 * max(1, abs(a)))
        }
        #expect(!out.keys.contains { $0.contains(".ln") })
    }

    @Test func mixtureOfExpertsFoldKeepsRouterAndExpertInputs() throws {
        let shape = Shape(layerNorm: false, experts: 3)
        let raw = SyntheticModel.weights(shape)
        let config = SyntheticModel.config(shape)
        let (out, processed) = try ProcessingPipeline(options: .tlDefaults).process(all: raw, config: config)
        #expect(processed.norm == .rmsPre)
        var rng = SplitMix64(seed: 4)
        let x = (0..<12).map { _ in Float(rng.normal() * 2) }
        let before = normalise(x, raw, "blocks.0.ln2", config), after = normalise(x, out, nil, config)
        var names = ["blocks.0.mlp.W_gate.weight"]
        for e in 0..<3 { names += ["blocks.0.mlp.experts.\(e).W_in.weight", "blocks.0.mlp.experts.\(e).W_gate.weight"] }
        for name in names {
            let w0 = raw[name]!, w1 = out[name]!
            for r in 0..<w0.shape[0] {
                var a = 0.0, b = 0.0
                for d in 0..<12 { a += before[d] * Double(w0.values[r * 12 + d]); b += after[d] * Double(w1.values[r * 12 + d]) }
                #expect(abs(a - b) < 1e-4 * max(1, abs(a)), "\(name) row \(r)")
            }
        }
        #expect(out["blocks.0.ln2.w"] == nil && out["blocks.0.mlp.experts.0.W_out.weight"] == raw["blocks.0.mlp.experts.0.W_out.weight"])
    }

    /// Attention output for any pattern whose rows sum to one is unchanged by folding the
    /// value biases — with grouped-query heads sharing their group's `_b_V`.
    @Test(arguments: [nil, 1, 3] as [Int?])
    func valueBiasFoldKeepsAttentionOutput(kvHeads: Int?) throws {
        let shape = Shape(kvHeads: kvHeads)
        let raw = SyntheticModel.weights(shape)
        let config = SyntheticModel.config(shape)
        let (out, _) = try ProcessingPipeline(options: .init(foldValueBiases: true)).process(all: raw, config: config)
        let prefix = kvHeads == nil ? "" : "_"
        #expect(out["blocks.0.attn.\(prefix)b_V"]!.values.allSatisfy { $0 == 0 })
        var rng = SplitMix64(seed: 5)
        let positions = 3
        let xs = (0..<positions).map { _ in (0..<12).map { _ in rng.normal() } }
        var weights = (0..<positions).map { _ in rng.uniform() + 0.1 }
        weights = weights.map { $0 / weights.reduce(0, +) }
        func output(_ w: StateDict) -> [Double] {
            let (h, dh, d) = (3, 4, 12)
            let group = h / config.kvHeads
            var result = w["blocks.0.attn.b_O"]!.values.map(Double.init)
            for head in 0..<h {
                let g = head / group
                for k in 0..<dh {
                    var z = 0.0
                    for (pos, x) in xs.enumerated() {
                        var v = Double(w["blocks.0.attn.\(prefix)b_V"]!.values[g * dh + k])
                        for i in 0..<d { v += x[i] * Double(w["blocks.0.attn.\(prefix)W_V"]!.values[(g * d + i) * dh + k]) }
                        z += weights[pos] * v
                    }
                    for i in 0..<d { result[i] += z * Double(w["blocks.0.attn.W_O"]!.values[(head * dh + k) * d + i]) }
                }
            }
            return result
        }
        for (a, b) in zip(output(raw), output(out)) { #expect(abs(a - b) < 1e-4 * max(1, abs(a))) }
    }

    @Test func refactorKeepsCircuitsOnRandomWeights() throws {
        let shape = Shape()
        let raw = SyntheticModel.weights(shape)
        let (out, _) = try ProcessingPipeline(options: .init(refactorFactoredAttnMatrices: true))
            .process(all: raw, config: SyntheticModel.config(shape))
        let (d, dh) = (12, 4)
        for h in 0..<3 {
            let slice = (h * d * dh)..<((h + 1) * d * dh)
            let ov0 = product(Array(raw["blocks.0.attn.W_V"]!.values[slice]), Array(raw["blocks.0.attn.W_O"]!.values[slice]), m: d, k: dh, n: d)
            let ov1 = product(Array(out["blocks.0.attn.W_V"]!.values[slice]), Array(out["blocks.0.attn.W_O"]!.values[slice]), m: d, k: dh, n: d)
            #expect(Tolerance.compare(ov1, ov0).within)
            let q0 = Array(raw["blocks.0.attn.W_Q"]!.values[slice]) + raw["blocks.0.attn.b_Q"]!.values[(h * dh)..<((h + 1) * dh)]
            let k0 = Array(raw["blocks.0.attn.W_K"]!.values[slice]) + raw["blocks.0.attn.b_K"]!.values[(h * dh)..<((h + 1) * dh)]
            let q1 = Array(out["blocks.0.attn.W_Q"]!.values[slice]) + out["blocks.0.attn.b_Q"]!.values[(h * dh)..<((h + 1) * dh)]
            let k1 = Array(out["blocks.0.attn.W_K"]!.values[slice]) + out["blocks.0.attn.b_K"]!.values[(h * dh)..<((h + 1) * dh)]
            let qk0 = product(q0, transposed(k0, rows: d + 1, cols: dh), m: d + 1, k: dh, n: d + 1)
            let qk1 = product(q1, transposed(k1, rows: d + 1, cols: dh), m: d + 1, k: dh, n: d + 1)
            #expect(Tolerance.compare(qk1, qk0).within)
        }
    }

    @Test func badWeightsAreReportedNotTrapped() {
        let shape = Shape()
        let config = SyntheticModel.config(shape)
        let pipeline = ProcessingPipeline(options: .tlDefaults)
        var missing = SyntheticModel.weights(shape)
        missing["blocks.1.attn.W_K"] = nil
        #expect(throws: TLError.badTensor(name: "blocks.1.attn.W_K", problem: "missing")) {
            try pipeline.process(all: missing, config: config)
        }
        var misshapen = SyntheticModel.weights(shape)
        misshapen["blocks.0.mlp.W_in"] = .zeros([20, 12])
        #expect { try pipeline.process(all: misshapen, config: config) } throws: {
            if case .badTensor(let name, let problem) = $0 as! TLError { return name == "blocks.0.mlp.W_in" && problem.contains("shape") }
            return false
        }
        var unknown = SyntheticModel.weights(shape)
        unknown["lm_head.weight"] = .zeros([1])
        #expect { try pipeline.process(all: unknown, config: config) } throws: {
            if case .badTensor(let name, _) = $0 as! TLError { return name == "lm_head.weight" }
            return false
        }
        var beyond = SyntheticModel.weights(shape)
        beyond["blocks.7.ln1.w"] = .zeros([12])
        #expect(throws: TLError.self) { try pipeline.process(all: beyond, config: config) }
    }

    /// As in TransformerLens, centring needs LayerNorm, not a fold: without --fold-ln the
    /// LN weights stay and the writing weights are still centred.
    @Test func centringWithoutFoldKeepsTheNorms() throws {
        let shape = Shape()
        let raw = SyntheticModel.weights(shape)
        let config = SyntheticModel.config(shape)
        let pipeline = ProcessingPipeline(options: .init(centerWritingWeights: true))
        let (out, processed) = try pipeline.process(all: raw, config: config)
        #expect(processed.norm == .layerNorm)
        #expect(out["blocks.0.ln1.w"] == raw["blocks.0.ln1.w"] && out["ln_final.b"] == raw["ln_final.b"])
        #expect(out["embed.W_E"] != raw["embed.W_E"] && out["blocks.1.mlp.W_in"] == raw["blocks.1.mlp.W_in"])
        let rms = SyntheticModel.weights(Shape(layerNorm: false))
        #expect(try pipeline.process(all: rms, config: SyntheticModel.config(Shape(layerNorm: false))).0 == rms)
    }

    /// Gemma 2's post-norms and Qwen3's QK norms act on outputs, not on the residual
    /// stream: folding leaves them as they are.
    @Test func postNormsAndQKNormsAreNotFolded() throws {
        let shape = Shape(layerNorm: false)
        var raw = SyntheticModel.weights(shape)
        var config = SyntheticModel.config(shape)
        config.useNormalizationBeforeAndAfter = true
        config.useQKNorm = true
        var rng = SplitMix64(seed: 9)
        var extras: StateDict = [:]
        for l in 0..<2 {
            for name in ["ln1_post.w", "ln2_post.w"] {
                extras["blocks.\(l).\(name)"] = FloatTensor(shape: [12], values: (0..<12).map { _ in Float(1 + rng.normal()) })
            }
            for name in ["q_norm.w", "k_norm.w"] {
                extras["blocks.\(l).attn.\(name)"] = FloatTensor(shape: [4], values: (0..<4).map { _ in Float(1 + rng.normal()) })
            }
        }
        raw.merge(extras) { a, _ in a }
        let (out, processed) = try ProcessingPipeline(options: .tlDefaults).process(all: raw, config: config)
        #expect(processed.norm == .rmsPre)
        for (name, tensor) in extras { #expect(out[name] == tensor, "\(name) changed") }
        #expect(out["blocks.0.ln1.w"] == nil && out["blocks.1.ln2.w"] == nil)
    }

    /// Streaming: each group processed alone, from its own tensors only, writes only
    /// tensors of that group.
    @Test(arguments: [Shape(), Shape(layerNorm: false, kvHeads: 1, gated: true), Shape(layerNorm: false, experts: 2)])
    func everyStepStaysInsideItsGroup(shape: Shape) throws {
        let all = SyntheticModel.weights(shape)
        let config = SyntheticModel.config(shape)
        var options = ProcessingOptions.tlDefaults
        options.refactorFactoredAttnMatrices = shape.kvHeads == nil
        let pipeline = ProcessingPipeline(options: options)
        var joined = StateDict()
        for group in WeightGroup.all(layers: config.nLayers) {
            var weights = all.filter { WeightGroup(parameter: $0.key) == group }
            try pipeline.plan(for: config).process(group, weights: &weights)
            #expect(weights.keys.allSatisfy { WeightGroup(parameter: $0) == group })
            joined.merge(weights) { a, _ in a }
        }
        #expect(joined == (try pipeline.process(all: all, config: config)).0)
    }
}
