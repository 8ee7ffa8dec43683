import TLCore

/// One layer's attention, as one product: Q, K and V of every head side by side in
/// `[d_model, (heads + 2·kv_heads)·d_head]` (columns: Q heads, K heads, V heads), packed or
/// read in place from the mapped file.
struct AttentionWeights: Sendable {
    let qkv: WeightMatrix
    let qkvBias: Matrix?
    /// `W_O` as stored, `[heads·d_head, d_model]`.
    let out: WeightMatrix
    let outBias: Matrix?
    /// RMS norms of queries and keys (`attn.q_norm.w`, `attn.k_norm.w`): per head (Qwen 3) or
    /// over the whole projection (OLMo 2/3, OLMoE).
    let qNorm: Matrix?
    let kNorm: Matrix?
    /// GPT-OSS's sink logit per query head (`attn.sinks`, `[n_heads]`).
    let sinks: Matrix?

    init(layer: Int, spec: ForwardSpec, reader: WeightReader) throws(TLError) {
        let p = "blocks.\(layer).attn."
        let (d, dh, h, kv) = (spec.dModel, spec.dHead, spec.heads, spec.kvHeads)
        let grouped = kv != h || reader.contains("\(p)_W_K")
        let kName = grouped ? reader.firstPresent(["\(p)_W_K", "\(p)W_K"]) : "\(p)W_K"
        let vName = grouped ? reader.firstPresent(["\(p)_W_V", "\(p)W_V"]) : "\(p)W_V"
        let kBias = grouped ? reader.firstPresent(["\(p)_b_K", "\(p)b_K"]) : "\(p)b_K"
        let vBias = grouped ? reader.firstPresent(["\(p)_b_V", "\(p)b_V"]) : "\(p)b_V"
        let width = (h + 2 * kv) * dh
        qkv = try reader.sideBySide([("\(p)W_Q", [h, d, dh]), (kName, [kv, d, dh]), (vName, [kv, d, dh])], rows: d)
        let biases = [try reader.optionalVector("\(p)b_Q", [h, dh]),
                      try reader.optionalVector(kBias, [kv, dh]),
                      try reader.optionalVector(vBias, [kv, dh])]
        if biases.contains(where: { $0 != nil }) {
            let bias = Matrix(rows: 1, cols: width)
            let offsets = [0, h * dh, (h + kv) * dh]
            for (b, offset) in zip(biases, offsets) {
                if let b { (bias.data + offset).update(from: b.data, count: b.count) }
            }
            qkvBias = bias
        } else {
            qkvBias = nil
        }
        out = try reader.matrix("\(p)W_O", [h, dh, d], rows: h * dh, cols: d)
        outBias = try reader.optionalVector("\(p)b_O", [d])
        if let scope = spec.qkNorm {
            qNorm = try reader.vector("\(p)q_norm.w", [scope.width(heads: h, dHead: dh)])
            kNorm = try reader.vector("\(p)k_norm.w", [scope.width(heads: kv, dHead: dh)])
        } else {
            qNorm = nil
            kNorm = nil
        }
        sinks = spec.attentionSinks ? try reader.vector("\(p)sinks", [h]) : nil
    }
}
