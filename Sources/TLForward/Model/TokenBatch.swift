import TLCore

/// What every forward pass (decoder, encoder, encoder-decoder) checks of its token ids
/// before any compute, so a bad dump or prompt is one error naming the tensor.
enum TokenBatch {
    /// `(batch, seq)` of a rectangular, non-empty batch whose ids lie in `0..<vocab`.
    /// - Parameter name: the tensor reported (`input_ids`, `decoder_input_ids`).
    static func shape(of tokens: [[Int]], vocab: Int, name: String = "input_ids") throws(TLError) -> (batch: Int, seq: Int) {
        guard let first = tokens.first, !first.isEmpty else {
            throw .badTensor(name: name, problem: "is empty (expected [batch, seq] token ids)")
        }
        let seq = first.count
        for (b, row) in tokens.enumerated() {
            guard row.count == seq else {
                throw .badTensor(name: name, problem: "row \(b) has \(row.count) tokens, row 0 has \(seq)")
            }
            for (p, id) in row.enumerated() where id < 0 || id >= vocab {
                throw .badTensor(name: name, problem: "token id \(id) at [\(b), \(p)] is outside the vocabulary (d_vocab \(vocab))")
            }
        }
        return (tokens.count, seq)
    }

    /// Checks that a per-token companion (`attention_mask`, `token_type_ids`) has the ids' shape.
    static func checkSameShape(_ other: [[Int]], as tokens: [[Int]], name: String) throws(TLError) {
        let seq = tokens.first?.count ?? 0
        guard other.count == tokens.count, other.allSatisfy({ $0.count == seq }) else {
            throw .badTensor(name: name, problem: "shape differs from input_ids [\(tokens.count), \(seq)]")
        }
    }
}

extension Matrix {
    /// `self += x`, element by element (a residual add).
    func add(_ x: Matrix) {
        for i in 0..<count { data[i] += x.data[i] }
    }
}
