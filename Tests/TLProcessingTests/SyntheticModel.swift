import TLCore
import TLModel
import TLTestSupport

/// Small random canonical models for behaviour the fixtures do not reach
/// (LayerNorm MoE, parallel blocks storing one norm, absent b_U, soft-caps, …).
enum SyntheticModel {
    struct Shape: Sendable {
        var layerNorm = true
        var kvHeads: Int? = nil
        var gated = false
        var experts: Int? = nil
        var parallelWithoutLN2 = false
        var withUnembedBias = true
        var rotary = false
    }

    static func config(_ s: Shape) -> CanonicalConfig {
        var c = CanonicalConfig(nLayers: 2, dModel: 12, nCtx: 16, dHead: 4)
        c.nHeads = 3
        c.dMLP = 20
        c.dVocab = 30
        c.activation = s.gated ? .silu : .geluNew
        c.norm = s.layerNorm ? .layerNorm : .rms
        c.nKeyValueHeads = s.kvHeads
        c.gatedMLP = s.gated || s.experts != nil
        c.numExperts = s.experts
        c.expertsPerToken = s.experts.map { _ in 2 }
        c.parallelAttnMLP = s.parallelWithoutLN2
        c.position = s.rotary ? .rotary : .standard
        c.applyDerivedDefaults()
        return c
    }

    static func weights(_ s: Shape, seed: UInt64 = 1) -> StateDict {
        let c = config(s)
        var rng = SplitMix64(seed: seed)
        func random(_ shape: [Int], around centre: Double = 0) -> FloatTensor {
            FloatTensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(centre + 0.5 * rng.normal()) })
        }
        let (d, h, kv, dh, mlp) = (c.dModel, c.nHeads, c.kvHeads, c.dHead, c.dMLP!)
        let kvPrefix = s.kvHeads == nil ? "" : "_"
        var w: StateDict = ["embed.W_E": random([c.dVocab, d]), "unembed.W_U": random([d, c.dVocab]),
                            "ln_final.w": random([d], around: 1)]
        if !s.rotary { w["pos_embed.W_pos"] = random([c.nCtx, d]) }
        if s.layerNorm { w["ln_final.b"] = random([d]) }
        if s.withUnembedBias { w["unembed.b_U"] = random([c.dVocab]) }
        for l in 0..<c.nLayers {
            let p = "blocks.\(l)"
            var norms = ["ln1"]
            if !s.parallelWithoutLN2 { norms.append("ln2") }
            for n in norms {
                w["\(p).\(n).w"] = random([d], around: 1)
                if s.layerNorm { w["\(p).\(n).b"] = random([d]) }
            }
            w["\(p).attn.W_Q"] = random([h, d, dh])
            w["\(p).attn.b_Q"] = random([h, dh])
            for m in ["K", "V"] {
                w["\(p).attn.\(kvPrefix)W_\(m)"] = random([kv, d, dh])
                w["\(p).attn.\(kvPrefix)b_\(m)"] = random([kv, dh])
            }
            w["\(p).attn.W_O"] = random([h, dh, d])
            w["\(p).attn.b_O"] = random([d])
            if let experts = s.experts {
                w["\(p).mlp.W_gate.weight"] = random([experts, d])
                for e in 0..<experts {
                    w["\(p).mlp.experts.\(e).W_in.weight"] = random([mlp, d])
                    w["\(p).mlp.experts.\(e).W_gate.weight"] = random([mlp, d])
                    w["\(p).mlp.experts.\(e).W_out.weight"] = random([d, mlp])
                }
            } else {
                w["\(p).mlp.W_in"] = random([d, mlp])
                w["\(p).mlp.b_in"] = random([mlp])
                if s.gated { w["\(p).mlp.W_gate"] = random([d, mlp]) }
                w["\(p).mlp.W_out"] = random([mlp, d])
                w["\(p).mlp.b_out"] = random([d])
            }
        }
        return w
    }
}
