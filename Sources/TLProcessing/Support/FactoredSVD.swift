import TLCore

/// The SVD of a product `A · B` (A: l × m, B: m × r) without forming it, computed the way
/// TransformerLens's `FactoredMatrix.svd` does, step for step, so the factors come out
/// as its do: SVD both factors, SVD the small middle `(Sa·Vaᵀ)·Ub·Sb`, then rotate back.
struct FactoredSVD {
    /// l × k, row-major.
    var u: [Float]
    /// k values, descending.
    var s: [Float]
    /// r × k, row-major (TransformerLens calls it `Vh`; it is V: `A·B = U·diag(S)·Vᵀ`).
    var v: [Float]
    let rank: Int

    init(a: [Float], b: [Float], l: Int, m: Int, r: Int, context: String) throws(TLError) {
        let svdA = try ThinSVD(rows: l, cols: m, values: a, context: context)
        let svdB = try ThinSVD(rows: m, cols: r, values: b, context: context)
        let ka = svdA.rank, kb = svdB.rank
        // (Sa[:, None] * Vaᵀ) @ Ub * Sb[None, :], in that order, in float32.
        var left = Kernels.transpose(svdA.v, rows: m, cols: ka)  // ka × m
        for i in 0..<ka {
            for j in 0..<m { left[i * m + j] = svdA.s[i] * left[i * m + j] }
        }
        var middle = Kernels.matmul(left, svdB.u, m: ka, k: m, n: kb)
        for i in 0..<ka {
            for j in 0..<kb { middle[i * kb + j] *= svdB.s[j] }
        }
        let svdM = try ThinSVD(rows: ka, cols: kb, values: middle, context: context)
        rank = svdM.rank
        u = Kernels.matmul(svdA.u, svdM.u, m: l, k: ka, n: rank)
        v = Kernels.matmul(svdB.v, svdM.v, m: r, k: kb, n: rank)
        s = svdM.s
    }
}
