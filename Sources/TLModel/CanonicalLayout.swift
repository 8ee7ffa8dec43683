import TLCore
import TLFormats

/// Every parameter TransformerLens 2.16.1's `HookedTransformer(cfg)` registers —
/// the keys and shapes of `named_parameters()` — derived from the config alone,
/// so an output header can be planned before any weight is read.
///
/// Order is TransformerLens's registration order, which is also the streaming
/// order: the embed group, blocks 0…n-1, the unembed group.
public enum CanonicalLayout {
    /// All parameters, in `config.dtype`.
    public static func parameters(for config: CanonicalConfig) -> [TensorInfo] {
        WeightGroup.all(for: config).flatMap { parameters(for: config, group: $0) }
    }

    /// The parameters of one group, in order.
    public static func parameters(for config: CanonicalConfig, group: WeightGroup) -> [TensorInfo] {
        shapes(for: config, group: group).map { TensorInfo(name: $0.name, dtype: config.dtype, shape: $0.shape) }
    }

    private static func shapes(for c: CanonicalConfig, group: WeightGroup) -> [(name: String, shape: [Int])] {
        switch c.modelClass {
        case .hookedEncoder: return EncoderLayout.shapes(for: c, group: group)
        case .hookedEncoderDecoder: return EncoderDecoderLayout.shapes(for: c, group: group)
        case .hookedTransformer: return decoderShapes(for: c, group: group)
        }
    }

    private static func decoderShapes(for c: CanonicalConfig, group: WeightGroup) -> [(name: String, shape: [Int])] {
        let m = c.dModel
        switch group {
        case .embed:
            var out: [(String, [Int])] = [("embed.W_E", [c.dVocab, m])]
            // Embed's own norm is always a LayerNorm (Bloom's word_embeddings_layernorm).
            if c.postEmbeddingLN { out += [("embed.ln.w", [m]), ("embed.ln.b", [m])] }
            if c.position.hasPositionTable { out.append(("pos_embed.W_pos", [c.nCtx, m])) }
            return out
        case .block(let l):
            let p = "blocks.\(l)."
            var out = [(String, [Int])]()
            out += norm(p + "ln1", c.norm, length: m)
            out += norm(p + "ln1_post", c.normAfter, length: m)
            if !c.attnOnly {
                out += norm(p + "ln2", c.norm, length: m)
                out += norm(p + "ln2_post", c.normAfter, length: m)
            }
            out += attention(p + "attn.", c)
            if !c.attnOnly { out += mlp(p + "mlp.", c) }
            return out
        case .unembed:
            return norm("ln_final", c.finalNorm, length: m) + [("unembed.W_U", [m, c.dVocabOut]), ("unembed.b_U", [c.dVocabOut])]
        }
    }

    /// LayerNorm has w and b, RMSNorm w only; the `Pre` forms and none have no parameters.
    private static func norm(_ prefix: String, _ kind: NormKind?, length: Int) -> [(String, [Int])] {
        guard let kind else { return [] }
        return (kind.hasWeight ? [(prefix + ".w", [length])] : []) + (kind.hasBias ? [(prefix + ".b", [length])] : [])
    }

    private static func attention(_ p: String, _ c: CanonicalConfig) -> [(String, [Int])] {
        let (n, m, h) = (c.nHeads, c.dModel, c.dHead)
        // Own parameters first (W_Q, W_O, b_Q, b_O, then K/V), then the q/k norms.
        var out: [(String, [Int])] = [(p + "W_Q", [n, m, h]), (p + "W_O", [n, h, m]),
                                      (p + "b_Q", [n, h]), (p + "b_O", [m])]
        // TransformerLens 3.x's sink logits (2.x has no name for them and ignores them on load).
        if c.useAttentionSinks { out.append((p + "sinks", [n])) }
        let kv = c.isGroupedQuery ? "_" : ""
        let g = c.kvHeads
        out += [(p + kv + "W_K", [g, m, h]), (p + kv + "W_V", [g, m, h]),
                (p + kv + "b_K", [g, h]), (p + kv + "b_V", [g, h])]
        if let scope = c.qkNormScope {
            out += [(p + "q_norm.w", [scope.width(heads: n, dHead: h)]), (p + "k_norm.w", [scope.width(heads: g, dHead: h)])]
        }
        return out
    }

    private static func mlp(_ p: String, _ c: CanonicalConfig) -> [(String, [Int])] {
        let m = c.dModel, f = c.dMLP ?? 4 * c.dModel
        if let experts = c.numExperts, experts > 0 {
            // nn.Linear weights, [out, in]: the experts list is registered before the router.
            var out = [(String, [Int])]()
            if c.expertKind.hasBiases {
                // GPT-OSS (TransformerLens 2.18's GptOssExpert): gate, in, out, each with its bias.
                for e in 0..<experts {
                    let x = p + "experts.\(e)."
                    out += [(x + "W_gate.weight", [f, m]), (x + "W_gate.bias", [f]), (x + "W_in.weight", [f, m]),
                            (x + "W_in.bias", [f]), (x + "W_out.weight", [m, f]), (x + "W_out.bias", [m])]
                }
                return out + [(p + "W_gate.weight", [experts, m]), (p + "W_gate.bias", [experts])]
            }
            for e in 0..<experts {
                out += [(p + "experts.\(e).W_in.weight", [f, m]), (p + "experts.\(e).W_out.weight", [m, f]),
                        (p + "experts.\(e).W_gate.weight", [f, m])]
            }
            out.append((p + "W_gate.weight", [experts, m]))
            return out
        }
        var out: [(String, [Int])]
        if c.gatedMLP {
            out = [(p + "W_in", [m, f]), (p + "W_out", [f, m]), (p + "W_gate", [m, f]),
                   (p + "b_in", [f]), (p + "b_out", [m])]
        } else {
            out = [(p + "W_in", [m, f]), (p + "b_in", [f]), (p + "W_out", [f, m]), (p + "b_out", [m])]
        }
        // SoLU-style activations (`solu_ln`) carry a norm over d_mlp.
        out += norm(p + "ln", c.mlpHiddenNorm, length: f)
        // xIELU's learned scalars (alpha_p, alpha_n, as stored: before softplus).
        if c.activation?.hasParameters == true {
            out += XIELUParameters.names.map { (p + $0, []) }
        }
        return out
    }
}
