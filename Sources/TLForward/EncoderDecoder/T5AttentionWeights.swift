import TLCore

/// One T5 attention (self or cross), packed for products: `W_Q`, `W_K`, `W_V` as
/// `[d_model, heads·d_head]`, `W_O` as `[heads·d_head, d_model]`. T5 has no biases; the zero
/// ones TransformerLens registers are checked to be zero rather than silently dropped.
struct T5AttentionWeights: Sendable {
    let query: Matrix
    let key: Matrix
    let value: Matrix
    let out: Matrix

    init(prefix p: String, heads: Int, dModel d: Int, dHead dh: Int, reader: WeightReader) throws(TLError) {
        func packed(_ name: String) throws(TLError) -> Matrix {
            let w = try reader.tensor(p + name, [heads, d, dh])
            let m = Matrix(rows: d, cols: heads * dh)
            w.values.withUnsafeBufferPointer { src in
                for head in 0..<heads {
                    for i in 0..<d { (m.row(i) + head * dh).update(from: src.baseAddress! + (head * d + i) * dh, count: dh) }
                }
            }
            return m
        }
        query = try packed("W_Q")
        key = try packed("W_K")
        value = try packed("W_V")
        out = try reader.widenedMatrix(p + "W_O", [heads, dh, d], rows: heads * dh, cols: d)
        for (name, shape) in [("b_Q", [heads, dh]), ("b_K", [heads, dh]), ("b_V", [heads, dh]), ("b_O", [d])] {
            if try reader.optionalVector(p + name, shape) != nil {
                throw .badTensor(name: p + name, problem: "is not zero; T5 attention has no biases")
            }
        }
    }
}
