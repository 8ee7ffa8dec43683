import TLCore
import TLModel

/// One normalisation layer with its parameters (absent for the `Pre` kinds).
struct Norm: Sendable {
    let kind: NormKind
    let eps: Float
    let weight: Matrix?
    let bias: Matrix?
    /// TransformerLens's module path (`blocks.0.ln1`), for hook names.
    let name: String

    /// Normalises each row of `x` into `out` (may be the same matrix).
    /// `hook_scale` is recorded as `[batch, pos, 1]` and `hook_normalized` as TransformerLens
    /// places it: after `w`/`b` for LayerNorm, before `w` for RMSNorm.
    func apply(_ x: Matrix, into out: Matrix, hooks: HookSite) {
        let n = x.cols
        let wantScale = hooks.wants("\(name).hook_scale")
        let scales = wantScale ? Matrix(rows: x.rows, cols: 1) : nil
        let wantNormalized = hooks.wants("\(name).hook_normalized")
        let recordBeforeWeight = wantNormalized && (kind == .rms)
        let preWeight = recordBeforeWeight ? Matrix(rows: x.rows, cols: n) : nil
        for r in 0..<x.rows {
            let src = x.row(r)
            let dst = out.row(r)
            var mean: Float = 0
            if kind.centres {
                var sum: Float = 0
                for i in 0..<n { sum += src[i] }
                mean = sum / Float(n)
            }
            var squares: Float = 0
            for i in 0..<n {
                let v = src[i] - mean
                squares += v * v
            }
            let scale = (squares / Float(n) + eps).squareRoot()
            scales?.data[r] = scale
            for i in 0..<n { dst[i] = (src[i] - mean) / scale }
            if let preWeight { preWeight.row(r).update(from: dst, count: n) }
            if let weight {
                for i in 0..<n { dst[i] *= weight.data[i] }
            }
            if let bias {
                for i in 0..<n { dst[i] += bias.data[i] }
            }
        }
        if let scales { hooks.record("\(name).hook_scale", scales, shape: hooks.tokenShape + [1]) }
        if wantNormalized {
            hooks.record("\(name).hook_normalized", preWeight ?? out, shape: hooks.tokenShape + [n])
        }
    }
}
