import Foundation
import TLCore

/// Causal self-attention of one layer: one product for Q, K and V of all heads, a
/// product per (sequence, head) for scores and for z, one product for the output.
struct AttentionForward {
    let spec: ForwardSpec
    let layer: Int
    let weights: AttentionWeights

    /// - Parameters:
    ///   - x: the normalised residual, `[batch·pos, d_model]`.
    ///   - keyMask: per sequence, whether each position may be attended to (nil: all).
    ///   - positions: shortformer positions `[batch·pos, d_model]`, added to the queries' and keys'
    ///     inputs (not the values'): `(x + p)·W = x·W + p·W`, one more product into the Q and K columns.
    func callAsFunction(_ x: Matrix, hooks: HookSite, keyMask: [[Bool]]?, positions: Matrix? = nil) -> Matrix {
        let (batch, seq) = (hooks.batch, hooks.positions)
        let (heads, kv, dh) = (spec.heads, spec.kvHeads, spec.dHead)
        let qWidth = heads * dh
        let kvWidth = kv * dh
        let width = qWidth + 2 * kvWidth
        let name = "blocks.\(layer).attn"
        let qkv = Matrix(uninitializedRows: x.rows, cols: width)
        BLAS.product(x, weights.qkv, bias: weights.qkvBias, into: qkv)
        if let positions {
            BLAS.gemm(m: x.rows, n: qWidth + kvWidth, k: spec.dModel, a: positions.data, lda: positions.cols,
                      b: weights.qkv.data, ldb: width, c: qkv.data, ldc: width, beta: 1)
        }
        hooks.recordHeads("\(name).hook_q", qkv, columnOffset: 0, heads: heads, dHead: dh)
        hooks.recordHeads("\(name).hook_k", qkv, columnOffset: qWidth, heads: kv, dHead: dh)
        hooks.recordHeads("\(name).hook_v", qkv, columnOffset: qWidth + kvWidth, heads: kv, dHead: dh)

        if let qNorm = weights.qNorm, let kNorm = weights.kNorm {
            // TransformerLens runs these norms over `[batch·pos·heads, d_head]`, so their
            // hooks have that shape.
            let q = HeadNormHooks(name: "\(name).q_norm", hooks: hooks, vectors: qkv.rows * heads, dHead: dh)
            let k = HeadNormHooks(name: "\(name).k_norm", hooks: hooks, vectors: qkv.rows * kv, dHead: dh)
            for r in 0..<qkv.rows {
                for h in 0..<heads { headRMS(qkv.row(r) + h * dh, weight: qNorm, hooks: q, index: r * heads + h) }
                for h in 0..<kv { headRMS(qkv.row(r) + qWidth + h * dh, weight: kNorm, hooks: k, index: r * kv + h) }
            }
            q.flush(hooks)
            k.flush(hooks)
        }
        if let rotary = spec.rotary(layer: layer) {
            let tables = rotary.tables(positions: seq)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rotary.dim)
            defer { scratch.deallocate() }
            for r in 0..<qkv.rows {
                let position = r % seq
                for h in 0..<(heads + kv) { tables.rotate(qkv.row(r) + h * dh, position: position, scratch: scratch) }
            }
            hooks.recordHeads("\(name).hook_rot_q", qkv, columnOffset: 0, heads: heads, dHead: dh)
            hooks.recordHeads("\(name).hook_rot_k", qkv, columnOffset: qWidth, heads: kv, dHead: dh)
        }

        let recordScores = hooks.wants("\(name).hook_attn_scores")
        let recordPattern = hooks.wants("\(name).hook_pattern")
        var allScores = recordScores ? [Float](repeating: 0, count: batch * heads * seq * seq) : []
        var allPattern = recordPattern ? [Float](repeating: 0, count: batch * heads * seq * seq) : []
        let z = Matrix(uninitializedRows: x.rows, cols: qWidth)
        let scores = Matrix(uninitializedRows: seq, cols: seq)
        let scale = spec.attentionScales[layer]
        let window = spec.windows[layer]
        let softCap = spec.scoreSoftCap
        var slopes: [Float]? = nil
        if case .alibi(let s) = spec.position { slopes = s }

        for b in 0..<batch {
            let base = qkv.row(b * seq)
            let mask = keyMask?[b]
            for h in 0..<heads {
                let kvHead = h / spec.groupSize
                BLAS.gemm(m: seq, n: seq, k: dh, a: base + h * dh, lda: width,
                          b: base + qWidth + kvHead * dh, ldb: width, transposeB: true,
                          c: scores.data, ldc: seq)
                let slope = slopes?[h] ?? 0
                for i in 0..<seq {
                    let row = scores.row(i)
                    // Causal: keys after the query are never visible, nor those outside a local window.
                    let first = window.map { max(0, i - $0 + 1) } ?? 0
                    for j in 0..<first { row[j] = -.infinity }
                    for j in first...i {
                        var s = row[j] / scale
                        if let softCap { s = softCap * tanhf(s / softCap) }
                        if slopes != nil { s += slope * Float(j - i) }
                        row[j] = s
                    }
                    if let mask { for j in first...i where !mask[j] { row[j] = -.infinity } }
                    for j in (i + 1)..<seq { row[j] = -.infinity }
                }
                let offset = (b * heads + h) * seq * seq
                if recordScores {
                    allScores.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: scores.data, count: seq * seq) }
                }
                for i in 0..<seq { softmaxRow(scores.row(i), count: seq, visible: i + 1) }
                if recordPattern {
                    allPattern.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: scores.data, count: seq * seq) }
                }
                BLAS.gemm(m: seq, n: dh, k: seq, a: scores.data, lda: seq,
                          b: base + qWidth + kvWidth + kvHead * dh, ldb: width,
                          c: z.row(b * seq) + h * dh, ldc: qWidth)
            }
        }
        if recordScores {
            hooks.record("\(name).hook_attn_scores", FloatTensor(shape: [batch, heads, seq, seq], values: allScores))
        }
        if recordPattern {
            hooks.record("\(name).hook_pattern", FloatTensor(shape: [batch, heads, seq, seq], values: allPattern))
        }
        hooks.recordHeads("\(name).hook_z", z, columnOffset: 0, heads: heads, dHead: dh)
        let out = Matrix(uninitializedRows: x.rows, cols: spec.dModel)
        BLAS.product(z, weights.out, bias: weights.outBias, into: out)
        return out
    }

    /// RMS-normalises one head vector with its weight (QK norm).
    private func headRMS(_ v: UnsafeMutablePointer<Float>, weight: Matrix, hooks: HeadNormHooks, index: Int) {
        let n = spec.dHead
        var squares: Float = 0
        for i in 0..<n { squares += v[i] * v[i] }
        let scale = (squares / Float(n) + spec.eps).squareRoot()
        for i in 0..<n { v[i] = v[i] / scale }
        hooks.scale?.data[index] = scale
        hooks.normalized?.row(index).update(from: v, count: n)
        for i in 0..<n { v[i] *= weight.data[i] }
    }
}

/// Buffers for the QK-norm hooks, allocated only when wanted.
private struct HeadNormHooks {
    let name: String
    let scale: Matrix?
    let normalized: Matrix?

    init(name: String, hooks: HookSite, vectors: Int, dHead: Int) {
        self.name = name
        scale = hooks.wants("\(name).hook_scale") ? Matrix(rows: vectors, cols: 1) : nil
        normalized = hooks.wants("\(name).hook_normalized") ? Matrix(rows: vectors, cols: dHead) : nil
    }

    func flush(_ hooks: HookSite) {
        if let scale { hooks.record("\(name).hook_scale", scale, shape: [scale.rows, 1]) }
        if let normalized { hooks.record("\(name).hook_normalized", normalized, shape: [normalized.rows, normalized.cols]) }
    }
}
