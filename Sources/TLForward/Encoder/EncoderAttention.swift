import Foundation
import TLCore

/// Bidirectional self-attention of one encoder layer (BERT): every query sees every key
/// its sequence's padding mask keeps. The packed weights are the decoder's.
struct EncoderAttention {
    let layer: Int
    let heads: Int
    let dHead: Int
    let dModel: Int
    let scale: Float
    let weights: AttentionWeights

    /// - Parameters:
    ///   - x: the residual, `[batch·pos, d_model]` (BERT's blocks normalise after, not before).
    ///   - keyMask: per sequence, whether each position may be attended to (nil: all).
    func callAsFunction(_ x: Matrix, hooks: HookSite, keyMask: [[Bool]]?) -> Matrix {
        let (batch, seq) = (hooks.batch, hooks.positions)
        let (h, dh) = (heads, dHead)
        let qWidth = h * dh
        let width = 3 * qWidth
        let name = "blocks.\(layer).attn"
        let qkv = Matrix(uninitializedRows: x.rows, cols: width)
        BLAS.product(x, weights.qkv, bias: weights.qkvBias, into: qkv)
        hooks.recordHeads("\(name).hook_q", qkv, columnOffset: 0, heads: h, dHead: dh)
        hooks.recordHeads("\(name).hook_k", qkv, columnOffset: qWidth, heads: h, dHead: dh)
        hooks.recordHeads("\(name).hook_v", qkv, columnOffset: 2 * qWidth, heads: h, dHead: dh)

        let recordScores = hooks.wants("\(name).hook_attn_scores")
        let recordPattern = hooks.wants("\(name).hook_pattern")
        var allScores = recordScores ? [Float](repeating: 0, count: batch * h * seq * seq) : []
        var allPattern = recordPattern ? [Float](repeating: 0, count: batch * h * seq * seq) : []
        let z = Matrix(uninitializedRows: x.rows, cols: qWidth)
        let scores = Matrix(uninitializedRows: seq, cols: seq)
        for b in 0..<batch {
            let base = qkv.row(b * seq)
            let mask = keyMask?[b]
            for head in 0..<h {
                BLAS.gemm(m: seq, n: seq, k: dh, a: base + head * dh, lda: width,
                          b: base + qWidth + head * dh, ldb: width, transposeB: true,
                          c: scores.data, ldc: seq)
                for i in 0..<seq {
                    let row = scores.row(i)
                    for j in 0..<seq { row[j] = (mask?[j] ?? true) ? row[j] / scale : -.infinity }
                }
                let offset = (b * h + head) * seq * seq
                if recordScores {
                    allScores.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: scores.data, count: seq * seq) }
                }
                for i in 0..<seq { softmaxRow(scores.row(i), count: seq) }
                if recordPattern {
                    allPattern.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: scores.data, count: seq * seq) }
                }
                BLAS.gemm(m: seq, n: dh, k: seq, a: scores.data, lda: seq,
                          b: base + 2 * qWidth + head * dh, ldb: width,
                          c: z.row(b * seq) + head * dh, ldc: qWidth)
            }
        }
        if recordScores { hooks.record("\(name).hook_attn_scores", FloatTensor(shape: [batch, h, seq, seq], values: allScores)) }
        if recordPattern { hooks.record("\(name).hook_pattern", FloatTensor(shape: [batch, h, seq, seq], values: allPattern)) }
        hooks.recordHeads("\(name).hook_z", z, columnOffset: 0, heads: h, dHead: dh)
        let out = Matrix(uninitializedRows: x.rows, cols: dModel)
        BLAS.product(z, weights.out, bias: weights.outBias, into: out)
        return out
    }
}
