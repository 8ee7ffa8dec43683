import TLCore

/// One layer's attention, packed for one product: Q, K and V of every head side by
/// side in `[d_model, (heads + 2·kv_heads)·d_head]` (columns: Q heads, K heads, V heads).
struct AttentionWeights: Sendable {
    let qkv: Matrix
    let qkvBias: Matrix?
    /// `W_O` as stored, `[heads·d_head, d_model]`.
    let out: Matrix
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
        let grouped = kv != h || reader.weights["\(p)_W_K"] != nil
        let kName = grouped ? reader.firstPresent(["\(p)_W_K", "\(p)W_K"]) : "\(p)W_K"
        let vName = grouped ? reader.firstPresent(["\(p)_W_V", "\(p)W_V"]) : "\(p)W_V"
        let kBias = grouped ? reader.firstPresent(["\(p)_b_K", "\(p)b_K"]) : "\(p)b_K"
        let vBias = grouped ? reader.firstPresent(["\(p)_b_V", "\(p)b_V"]) : "\(p)b_V"
        let wq = try reader.tensor("\(p)W_Q", [h, d, dh])
        let wk = try reader.tensor(kName, [kv, d, dh])
        let wv = try reader.tensor(vName, [kv, d, dh])
        let width = (h + 2 * kv) * dh
        let qkv = Matrix(rows: d, cols: width)
        // [n, d_model, d_head] → columns n·d_head + j of row d_model.
        func pack(_ w: FloatTensor, heads: Int, at offset: Int) {
            w.values.withUnsafeBufferPointer { src in
                for head in 0..<heads {
                    for i in 0..<d {
                        (qkv.row(i) + offset + head * dh).update(from: src.baseAddress! + (head * d + i) * dh, count: dh)
                    }
                }
            }
        }
        pack(wq, heads: h, at: 0)
        pack(wk, heads: kv, at: h * dh)
        pack(wv, heads: kv, at: (h + kv) * dh)
        self.qkv = qkv
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
