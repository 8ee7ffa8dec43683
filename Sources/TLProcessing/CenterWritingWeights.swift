import TLCore
import TLModel

/// TransformerLens's `center_writing_weights`: every weight and bias that writes to the
/// residual stream loses its mean along d_model (W_E, W_pos, W_O, b_O, W_out, b_out).
/// Every reader of the residual stream sits behind a LayerNorm, which subtracts the mean
/// anyway, so the computation is unchanged. Only valid for LayerNorm models:
/// `ProcessingPipeline` skips it for RMSNorm (as TransformerLens does).
public enum CenterWritingWeights: ProcessingStep {
    public static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        let dims = try Dims(config)
        switch group {
        case .embed:
            try centreRows("embed.W_E", &weights, dModel: dims.dModel)
            if config.position.hasPositionTable, weights["pos_embed.W_pos"] != nil {
                try centreRows("pos_embed.W_pos", &weights, dModel: dims.dModel)
            }
        case .block(let l):
            let p = "blocks.\(l)"
            try centre("\(p).attn.W_O", &weights, shape: [dims.nHeads, dims.dHead, dims.dModel],
                       outer: dims.nHeads * dims.dHead, axis: dims.dModel, inner: 1)
            try centreBias("\(p).attn.b_O", &weights, dModel: dims.dModel)
            guard !config.attnOnly else { return }
            let dMLP = try dims.dMLP(config)
            if config.isMixtureOfExperts {
                // TransformerLens would look for mlp.W_out and fail; each expert writes
                // through its own `W_out.weight` [d_model, d_mlp], centred along d_model.
                let experts = try Param.dimension(config.numExperts, "num_experts")
                for e in 0..<experts {
                    try centre("\(p).mlp.experts.\(e).W_out.weight", &weights, shape: [dims.dModel, dMLP],
                               outer: 1, axis: dims.dModel, inner: dMLP)
                }
            } else {
                try centre("\(p).mlp.W_out", &weights, shape: [dMLP, dims.dModel],
                           outer: dMLP, axis: dims.dModel, inner: 1)
                try centreBias("\(p).mlp.b_out", &weights, dModel: dims.dModel)
            }
        case .unembed:
            return
        }
    }

    private static func centre(_ name: String, _ weights: inout StateDict, shape: [Int],
                               outer: Int, axis: Int, inner: Int) throws(TLError) {
        var t = try Param.take(name, &weights, shape: shape)
        Kernels.centre(&t.values, outer: outer, axis: axis, inner: inner)
        weights[name] = t
    }

    /// A `[rows, d_model]` matrix whose row count the tensor itself gives (vocab, positions).
    private static func centreRows(_ name: String, _ weights: inout StateDict, dModel: Int) throws(TLError) {
        // Only the shape is read here: holding the tensor would make the in-place update copy it.
        guard let shape = weights[name]?.shape else { throw .badTensor(name: name, problem: "missing") }
        guard shape.count == 2 else { throw .badTensor(name: name, problem: "shape \(shape), expected [n, \(dModel)]") }
        try centre(name, &weights, shape: [shape[0], dModel], outer: shape[0], axis: dModel, inner: 1)
    }

    private static func centreBias(_ name: String, _ weights: inout StateDict, dModel: Int) throws(TLError) {
        var b = try Param.takeOrZeros(name, &weights, shape: [dModel])
        Kernels.centre(&b.values, outer: 1, axis: dModel, inner: 1)
        weights[name] = b
    }
}
