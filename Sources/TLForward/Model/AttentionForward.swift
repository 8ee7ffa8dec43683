import Foundation
import TLCore
import TLModel

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
    ///   - cache: when decoding (batch 1), the layer's keys and values of earlier positions: the new
    ///     rows sit at positions `cache.length…` and attend to those and to each other causally.
    func callAsFunction(_ x: Matrix, hooks: HookSite, keyMask: [[Bool]]?, positions: Matrix? = nil,
                        cache: LayerKVCache? = nil) -> Matrix {
        let (batch, seq) = (hooks.batch, hooks.positions)
        let offset = cache?.length ?? 0
        let keyCount = offset + seq
        let (heads, kv, dh) = (spec.heads, spec.kvHeads, spec.dHead)
        let qWidth = heads * dh
        let kvWidth = kv * dh
        let width = qWidth + 2 * kvWidth
        let name = "blocks.\(layer).attn"
        let qkv = Matrix(uninitializedRows: x.rows, cols: width)
        BLAS.product(x, weights.qkv, bias: weights.qkvBias, into: qkv)
        if let positions {
            BLAS.product(positions, weights.qkv, into: qkv, columns: qWidth + kvWidth, accumulate: true)
        }
        hooks.recordHeads("\(name).hook_q", qkv, columnOffset: 0, heads: heads, dHead: dh)
        hooks.recordHeads("\(name).hook_k", qkv, columnOffset: qWidth, heads: kv, dHead: dh)
        hooks.recordHeads("\(name).hook_v", qkv, columnOffset: qWidth + kvWidth, heads: kv, dHead: dh)

        if let scope = spec.qkNorm, let qNorm = weights.qNorm, let kNorm = weights.kNorm {
            // Per head, TransformerLens runs these norms over `[batch·pos·heads, d_head]`; over the
            // whole projection, over `[batch, pos, heads·d_head]`: their hooks have those shapes.
            let (qSegments, kSegments) = (scope.segments(heads: heads), scope.segments(heads: kv))
            let (qw, kw) = (qWidth / qSegments, kvWidth / kSegments)
            let q = QKNormHooks(name: "\(name).q_norm", hooks: hooks, scope: scope, vectors: qkv.rows * qSegments, width: qw)
            let k = QKNormHooks(name: "\(name).k_norm", hooks: hooks, scope: scope, vectors: qkv.rows * kSegments, width: kw)
            for r in 0..<qkv.rows {
                for i in 0..<qSegments { rms(qkv.row(r) + i * qw, width: qw, weight: qNorm, hooks: q, index: r * qSegments + i) }
                for i in 0..<kSegments {
                    rms(qkv.row(r) + qWidth + i * kw, width: kw, weight: kNorm, hooks: k, index: r * kSegments + i)
                }
            }
            q.flush(hooks)
            k.flush(hooks)
        }
        if let bound = spec.clip {
            for i in 0..<qkv.count { qkv.data[i] = min(max(qkv.data[i], -bound), bound) }
        }
        if let rotary = spec.rotary(layer: layer) {
            let tables = rotary.tables(positions: offset..<keyCount)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rotary.dim)
            defer { scratch.deallocate() }
            for r in 0..<qkv.rows {
                let position = r % seq  // the tables start at `offset`
                for h in 0..<(heads + kv) { tables.rotate(qkv.row(r) + h * dh, position: position, scratch: scratch) }
            }
            hooks.recordHeads("\(name).hook_rot_q", qkv, columnOffset: 0, heads: heads, dHead: dh)
            hooks.recordHeads("\(name).hook_rot_k", qkv, columnOffset: qWidth, heads: kv, dHead: dh)
        }

        let recordScores = hooks.wants("\(name).hook_attn_scores")
        let recordPattern = hooks.wants("\(name).hook_pattern")
        let patternCount = seq * keyCount
        var allScores = recordScores ? [Float](repeating: 0, count: batch * heads * patternCount) : []
        var allPattern = recordPattern ? [Float](repeating: 0, count: batch * heads * patternCount) : []
        let z = Matrix(uninitializedRows: x.rows, cols: qWidth)
        let scores = Matrix(uninitializedRows: seq, cols: keyCount)
        let scale = spec.attentionScales[layer]
        let window = spec.windows[layer]
        let softCap = spec.scoreSoftCap
        var slopes: [Float]? = nil
        if case .alibi(let s) = spec.position { slopes = s }

        // Keys and values: this pass's own rows, or the cache once they are appended to it.
        if let cache {
            cache.append(keys: qkv.data + qWidth, values: qkv.data + qWidth + kvWidth, count: seq, stride: width)
        }
        for b in 0..<batch {
            let base = qkv.row(b * seq)
            let (keys, values, keyStride) = cache.map { ($0.keys, $0.values, kvWidth) }
                ?? (base + qWidth, base + qWidth + kvWidth, width)
            let mask = keyMask?[b]
            for h in 0..<heads {
                let kvHead = h / spec.groupSize
                BLAS.gemm(m: seq, n: keyCount, k: dh, a: base + h * dh, lda: width,
                          b: keys + kvHead * dh, ldb: keyStride, transposeB: true,
                          c: scores.data, ldc: keyCount)
                let slope = slopes?[h] ?? 0
                for i in 0..<seq {
                    let row = scores.row(i)
                    let query = offset + i
                    // Causal: keys after the query are never visible, nor those outside a local window.
                    let first = window.map { max(0, query - $0 + 1) } ?? 0
                    for j in 0..<first { row[j] = -.infinity }
                    for j in first...query {
                        var s = row[j] / scale
                        if let softCap { s = softCap * tanhf(s / softCap) }
                        if slopes != nil { s += slope * Float(j - query) }
                        row[j] = s
                    }
                    if let mask { for j in first...query where !mask[j] { row[j] = -.infinity } }
                    for j in (query + 1)..<keyCount { row[j] = -.infinity }
                }
                let start = (b * heads + h) * patternCount
                if recordScores {
                    allScores.withUnsafeMutableBufferPointer { ($0.baseAddress! + start).update(from: scores.data, count: patternCount) }
                }
                let sink = weights.sinks?.data[h]
                for i in 0..<seq { softmaxRow(scores.row(i), count: keyCount, visible: offset + i + 1, sink: sink) }
                if recordPattern {
                    allPattern.withUnsafeMutableBufferPointer { ($0.baseAddress! + start).update(from: scores.data, count: patternCount) }
                }
                BLAS.gemm(m: seq, n: dh, k: keyCount, a: scores.data, lda: keyCount,
                          b: values + kvHead * dh, ldb: keyStride,
                          c: z.row(b * seq) + h * dh, ldc: qWidth)
            }
        }
        if recordScores {
            hooks.record("\(name).hook_attn_scores", FloatTensor(shape: [batch, heads, seq, keyCount], values: allScores))
        }
        if recordPattern {
            hooks.record("\(name).hook_pattern", FloatTensor(shape: [batch, heads, seq, keyCount], values: allPattern))
        }
        hooks.recordHeads("\(name).hook_z", z, columnOffset: 0, heads: heads, dHead: dh)
        let out = Matrix(uninitializedRows: x.rows, cols: spec.dModel)
        BLAS.product(z, weights.out, bias: weights.outBias, into: out)
        return out
    }

    /// RMS-normalises one query or key vector (a head, or the whole projection) with its weight.
    private func rms(_ v: UnsafeMutablePointer<Float>, width n: Int, weight: Matrix, hooks: QKNormHooks, index: Int) {
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
private struct QKNormHooks {
    let name: String
    /// The hooks' leading dimensions: `[vectors]` per head, `[batch, pos]` over the whole projection.
    let leading: [Int]
    let scale: Matrix?
    let normalized: Matrix?

    init(name: String, hooks: HookSite, scope: QKNormScope, vectors: Int, width: Int) {
        self.name = name
        leading = scope == .perHead ? [vectors] : hooks.tokenShape
        scale = hooks.wants("\(name).hook_scale") ? Matrix(rows: vectors, cols: 1) : nil
        normalized = hooks.wants("\(name).hook_normalized") ? Matrix(rows: vectors, cols: width) : nil
    }

    func flush(_ hooks: HookSite) {
        if let scale { hooks.record("\(name).hook_scale", scale, shape: leading + [1]) }
        if let normalized { hooks.record("\(name).hook_normalized", normalized, shape: leading + [normalized.cols]) }
    }
}
