import TLCore
import TLModel

/// TransformerLens's `fold_value_biases`: attention patterns sum to one, so a head's value
/// bias adds the constant `b_V[h]·W_O[h]` to the layer's output whatever it attends to.
/// All of it moves into the output bias: `b_O += Σ_h b_V[h]·W_O[h]`, then `b_V = 0`.
/// With grouped-query attention each query head uses the value bias of its key/value
/// group (`repeat_interleave` over heads, as TransformerLens expands `_b_V`), and `_b_V`
/// is zeroed.
public enum FoldValueBiases: ProcessingStep {
    public static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        guard case .block(let l) = group else { return }
        let dims = try Dims(config)
        let p = "blocks.\(l).attn"
        let valueBias = "\(p).\(dims.kvPrefix)b_V"
        let grouped = try Param.takeOrZeros(valueBias, &weights, shape: [dims.kvHeads, dims.dHead]).values
        let repeats = dims.nHeads / dims.kvHeads
        var perHead = [Float]()
        perHead.reserveCapacity(dims.nHeads * dims.dHead)
        for h in 0..<dims.nHeads {
            let g = h / repeats
            perHead.append(contentsOf: grouped[(g * dims.dHead)..<((g + 1) * dims.dHead)])
        }
        let wO = try Param.read("\(p).W_O", weights, shape: [dims.nHeads, dims.dHead, dims.dModel])
        var bO = try Param.takeOrZeros("\(p).b_O", &weights, shape: [dims.dModel])
        // b_O[d] += Σ_(h,k) b_V[h,k]·W_O[h,k,d]: one contraction over the flattened (head, d_head) axis.
        Kernels.addContraction(of: wO.values, outer: 1, axis: dims.nHeads * dims.dHead, inner: dims.dModel,
                               with: perHead, into: &bO.values)
        weights["\(p).b_O"] = bO
        weights[valueBias] = .zeros([dims.kvHeads, dims.dHead])
    }
}
