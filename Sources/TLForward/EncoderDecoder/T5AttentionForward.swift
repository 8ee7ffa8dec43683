import TLCore

/// T5 attention over a batch: scores are plain dot products (no 1/√d_head), plus a
/// position bias when the stack has one, with masked keys (padding, or the future in the
/// decoder's self-attention) left out of the softmax. Hooks as TransformerLens names them
/// under `name` (`encoder.0.attn`, `decoder.1.cross_attn`).
struct T5AttentionForward {
    let weights: T5AttentionWeights
    let heads: Int
    let dHead: Int
    let name: String

    /// - Parameters:
    ///   - queryInput: `[batch·queries, d_model]`.
    ///   - keyValueInput: `[batch·keys, d_model]`.
    ///   - bias: `[heads, queries, keys]` flattened, or nil.
    ///   - keyMask: per batch row, which keys are real tokens; nil: all.
    ///   - causal: key positions after the query's are hidden.
    func callAsFunction(_ queryInput: Matrix, _ keyValueInput: Matrix, batch: Int, queries: Int, keys: Int,
                        bias: [Float]?, keyMask: [[Bool]]?, causal: Bool, hooks: HookSite) -> Matrix {
        let width = heads * dHead
        let q = Matrix(uninitializedRows: batch * queries, cols: width)
        let k = Matrix(uninitializedRows: batch * keys, cols: width)
        let v = Matrix(uninitializedRows: batch * keys, cols: width)
        BLAS.product(queryInput, weights.query, into: q)
        BLAS.product(keyValueInput, weights.key, into: k)
        BLAS.product(keyValueInput, weights.value, into: v)
        let keyHooks = HookSite(recorder: hooks.recorder, batch: batch, positions: keys)
        hooks.recordHeads("\(name).hook_q", q, columnOffset: 0, heads: heads, dHead: dHead)
        keyHooks.recordHeads("\(name).hook_k", k, columnOffset: 0, heads: heads, dHead: dHead)
        keyHooks.recordHeads("\(name).hook_v", v, columnOffset: 0, heads: heads, dHead: dHead)

        let recordScores = hooks.wants("\(name).hook_attn_scores")
        let recordPattern = hooks.wants("\(name).hook_pattern")
        let block = queries * keys
        var allScores = recordScores ? [Float](repeating: 0, count: batch * heads * block) : []
        var allPattern = recordPattern ? [Float](repeating: 0, count: batch * heads * block) : []
        let z = Matrix(uninitializedRows: batch * queries, cols: width)
        let scores = Matrix(uninitializedRows: queries, cols: keys)
        for b in 0..<batch {
            for head in 0..<heads {
                let offset = head * dHead
                BLAS.gemm(m: queries, n: keys, k: dHead, a: q.row(b * queries) + offset, lda: width,
                          b: k.row(b * keys) + offset, ldb: width, transposeB: true, c: scores.data, ldc: keys)
                for i in 0..<queries {
                    let row = scores.row(i)
                    if let bias {
                        let base = (head * queries + i) * keys
                        for j in 0..<keys { row[j] += bias[base + j] }
                    }
                    for j in 0..<keys where (causal && j > i) || keyMask.map({ !$0[b][j] }) == true {
                        row[j] = -.infinity
                    }
                }
                let at = (b * heads + head) * block
                if recordScores { for i in 0..<block { allScores[at + i] = scores.data[i] } }
                for i in 0..<queries { softmaxRow(scores.row(i), count: keys) }
                if recordPattern { for i in 0..<block { allPattern[at + i] = scores.data[i] } }
                BLAS.gemm(m: queries, n: dHead, k: keys, a: scores.data, lda: keys,
                          b: v.row(b * keys) + offset, ldb: width, c: z.row(b * queries) + offset, ldc: width)
            }
        }
        if recordScores {
            hooks.record("\(name).hook_attn_scores", FloatTensor(shape: [batch, heads, queries, keys], values: allScores))
        }
        if recordPattern {
            hooks.record("\(name).hook_pattern", FloatTensor(shape: [batch, heads, queries, keys], values: allPattern))
        }
        hooks.recordHeads("\(name).hook_z", z, columnOffset: 0, heads: heads, dHead: dHead)
        let out = Matrix(uninitializedRows: batch * queries, cols: queryInput.cols)
        BLAS.product(z, weights.out, into: out)
        return out
    }
}
