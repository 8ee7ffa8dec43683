import TLCore
import TLModel

/// TransformerLens's `fold_layer_norm`: each norm's weight (and, for LayerNorm, bias)
/// moves into the matrices that read its output, leaving a parameter-free LNPre/RMSPre.
///
/// For a reader `y = norm(x)·W + b` with `norm(x) = x̂ ⊙ w + β`:
/// `b' = b + β·W`, `W' = diag(w)·W`; with LayerNorm, `x̂` has zero mean, so W' is also
/// centred along d_model. ln1 feeds Q, K, V (grouped `_W_K`/`_W_V` alike); ln2 feeds
/// W_in and W_gate (parallel blocks read ln1 again when the model has no ln2);
/// SoLU's `mlp.ln` feeds W_out; ln_final feeds W_U/b_U (b_U is created when absent).
/// Post-norms (Gemma 2's `ln1_post`, `ln2_post`) and QK norms (`attn.q_norm`, `attn.k_norm`)
/// act on outputs, not on the residual stream, and stay as they are.
public enum FoldLayerNorm: ProcessingStep {
    public static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        // Only LN and RMS carry weights to fold; LNPre/RMSPre are folded already, None has nothing.
        guard config.norm?.hasWeight == true else { return }
        switch group {
        case .embed: return  // Bloom's embedding norm (embed.ln) feeds the residual stream itself: not folded.
        case .block(let layer): try foldBlock(layer, &weights, config)
        case .unembed: try foldFinal(&weights, config)
        }
    }

    private struct Norm {
        var w: [Float]
        var b: [Float]?
    }

    /// Reads (and removes) `<prefix>.w` / `<prefix>.b`; nil when the model has no such norm.
    private static func takeNorm(_ prefix: String, _ weights: inout StateDict, length: Int,
                                 layerNorm: Bool) throws(TLError) -> Norm? {
        guard weights["\(prefix).w"] != nil else { return nil }
        let w = try Param.take("\(prefix).w", &weights, shape: [length]).values
        var b: [Float]?
        if layerNorm {
            b = try Param.take("\(prefix).b", &weights, shape: [length]).values
        }
        return Norm(w: w, b: b)
    }

    /// Folds `norm` into a weight seen as `[outer, axis, inner]` (axis = the normalised
    /// dimension) and, when the norm has a bias, into the reader's bias `[outer, inner]`.
    private static func fold(_ norm: Norm, weight: String, bias: (name: String, shape: [Int])?,
                             _ weights: inout StateDict, shape: [Int], outer: Int, axis: Int, inner: Int,
                             centre: Bool) throws(TLError) {
        var w = try Param.take(weight, &weights, shape: shape)
        if let bias, let normBias = norm.b {
            // Biases are mapped through the unscaled weight, inside the same sweep.
            var b = try Param.takeOrZeros(bias.name, &weights, shape: bias.shape)
            Kernels.fold(&w.values, outer: outer, axis: axis, inner: inner, scale: norm.w,
                         normBias: normBias, into: &b.values, centre: centre)
            weights[bias.name] = b
        } else {
            Kernels.fold(&w.values, outer: outer, axis: axis, inner: inner, scale: norm.w, centre: centre)
        }
        weights[weight] = w
    }

    private static func foldBlock(_ l: Int, _ weights: inout StateDict, _ config: CanonicalConfig) throws(TLError) {
        let dims = try Dims(config)
        let layerNorm = config.norm?.centres == true
        let p = "blocks.\(l)"
        guard let ln1 = try takeNorm("\(p).ln1", &weights, length: dims.dModel, layerNorm: layerNorm) else {
            throw .badTensor(name: "\(p).ln1.w", problem: "missing (normalization_type is \(config.norm?.rawValue ?? "null"))")
        }
        for (name, heads) in [("W_Q", dims.nHeads), ("\(dims.kvPrefix)W_K", dims.kvHeads), ("\(dims.kvPrefix)W_V", dims.kvHeads)] {
            let bias = "\(p).attn." + name.replacingOccurrences(of: "W_", with: "b_")
            try fold(ln1, weight: "\(p).attn.\(name)", bias: (bias, [heads, dims.dHead]), &weights, shape: [heads, dims.dModel, dims.dHead],
                     outer: heads, axis: dims.dModel, inner: dims.dHead, centre: layerNorm)
        }
        guard !config.attnOnly else { return }

        // GPT-J and Phi feed attention and MLP from one norm; TransformerLens stores it twice
        // (ln2 = ln1). A canonical dict that stores it once folds ln1 into the MLP too.
        let ln2Stored = try takeNorm("\(p).ln2", &weights, length: dims.dModel, layerNorm: layerNorm)
        guard let ln2 = ln2Stored ?? (config.parallelAttnMLP ? ln1 : nil) else {
            throw .badTensor(name: "\(p).ln2.w", problem: "missing (normalization_type is \(config.norm?.rawValue ?? "null"))")
        }
        let dMLP = try dims.dMLP(config)
        if config.isMixtureOfExperts {
            try foldMoE(ln2, block: p, &weights, config, dims, dMLP)
        } else {
            try fold(ln2, weight: "\(p).mlp.W_in", bias: ("\(p).mlp.b_in", [dMLP]), &weights, shape: [dims.dModel, dMLP],
                     outer: 1, axis: dims.dModel, inner: dMLP, centre: layerNorm)
            if config.gatedMLP {
                // TransformerLens's gated MLP has no gate bias, so a LayerNorm bias cannot move
                // into the gate; it does not centre W_gate either (neither do we).
                if let b = ln2.b, b.contains(where: { $0 != 0 }) {
                    throw .unsupported("\(p).ln2.b: cannot fold a LayerNorm bias into a gated MLP (W_gate has no bias)")
                }
                try fold(Norm(w: ln2.w, b: nil), weight: "\(p).mlp.W_gate", bias: nil, &weights,
                         shape: [dims.dModel, dMLP], outer: 1, axis: dims.dModel, inner: dMLP, centre: false)
            }
        }
        // SoLU's LayerNorm inside the MLP reads the d_mlp activations and feeds W_out.
        if config.activation?.hasHiddenNorm == true,
           let lnMLP = try takeNorm("\(p).mlp.ln", &weights, length: dMLP, layerNorm: layerNorm) {
            try fold(lnMLP, weight: "\(p).mlp.W_out", bias: ("\(p).mlp.b_out", [dims.dModel]), &weights, shape: [dMLP, dims.dModel],
                     outer: 1, axis: dMLP, inner: dims.dModel, centre: layerNorm)
        }
    }

    /// Mixture of experts. TransformerLens 2.16.1 skips this fold yet still drops the norm
    /// weights (its processed Mixtral is wrong); we fold instead. The router and every
    /// expert read the same normalised residual `x̂ ⊙ w`, and `W·(x̂ ⊙ w) = (W·diag(w))·x̂`,
    /// so scaling the d_model columns of the router (`mlp.W_gate.weight`, [experts, d_model])
    /// and of each expert's `W_in.weight`/`W_gate.weight` ([d_mlp, d_model]) is exact: router
    /// logits, top-k choice and expert inputs are unchanged. A LayerNorm bias would add a
    /// per-expert constant to router logits and expert pre-activations, which these bias-free
    /// linear layers cannot hold, so LayerNorm MoE is refused.
    private static func foldMoE(_ ln2: Norm, block p: String, _ weights: inout StateDict, _ config: CanonicalConfig,
                                _ dims: Dims, _ dMLP: Int) throws(TLError) {
        if let b = ln2.b, b.contains(where: { $0 != 0 }) {
            throw .unsupported("\(p).ln2.b: cannot fold a LayerNorm bias into mixture-of-experts layers (they have no biases)")
        }
        let experts = try Param.dimension(config.numExperts, "num_experts")
        let scaleOnly = Norm(w: ln2.w, b: nil)
        let centre = config.norm?.centres == true
        try fold(scaleOnly, weight: "\(p).mlp.W_gate.weight", bias: nil, &weights, shape: [experts, dims.dModel],
                 outer: experts, axis: dims.dModel, inner: 1, centre: centre)
        for e in 0..<experts {
            for name in ["W_in", "W_gate"] {
                try fold(scaleOnly, weight: "\(p).mlp.experts.\(e).\(name).weight", bias: nil, &weights,
                         shape: [dMLP, dims.dModel], outer: dMLP, axis: dims.dModel, inner: 1, centre: centre)
            }
        }
    }

    private static func foldFinal(_ weights: inout StateDict, _ config: CanonicalConfig) throws(TLError) {
        let dims = try Dims(config)
        // final_rms (old SoLU checkpoints): ln_final is an RMSNorm even in a LayerNorm model.
        let layerNorm = config.finalNorm?.centres == true
        guard let ln = try takeNorm("ln_final", &weights, length: dims.dModel, layerNorm: layerNorm) else {
            throw .badTensor(name: "ln_final.w", problem: "missing (normalization_type is \(config.norm?.rawValue ?? "null"))")
        }
        // Only the shape is read here: holding the tensor would make the in-place update copy it.
        guard let shape = weights["unembed.W_U"]?.shape, shape.count == 2 else {
            throw .badTensor(name: "unembed.W_U", problem: weights["unembed.W_U"] == nil ? "missing" : "not a matrix")
        }
        let vocab = shape[1]
        // TransformerLens also centres W_U when final_rms is set, which changes the logits
        // (an RMS output is not mean-free); we centre only after a real LayerNorm.
        try fold(ln, weight: "unembed.W_U", bias: ("unembed.b_U", [vocab]), &weights, shape: [dims.dModel, vocab],
                 outer: 1, axis: dims.dModel, inner: vocab, centre: layerNorm)
        if weights["unembed.b_U"] == nil { weights["unembed.b_U"] = .zeros([vocab]) }
    }
}
