import TLCore

/// The SVD of a product `A · B` (A: l × m, B: m × r) without forming it, computed the way
/// TransformerLens's `FactoredMatrix.svd` does, step for step: SVD both factors, SVD the
/// small middle `(Sa·Vaᵀ)·Ub·Sb`, then rotate back (`U = Ua·Um`, `V = Vb·Vm`).
struct FactoredSVD<T: LAPACKScalar> {
    /// l × k, row-major.
    var u: [T]
    /// k values, descending.
    var s: [T]
    /// r × k, row-major (TransformerLens calls it `Vh`; it is V: `A·B = U·diag(S)·Vᵀ`).
    var v: [T]
    let rank: Int

    init(a: [T], b: [T], l: Int, m: Int, r: Int, context: String) throws(TLError) {
        let svdA = try ThinSVD(rows: l, cols: m, values: a, context: context)
        let svdB = try ThinSVD(rows: m, cols: r, values: b, context: context)
        let ka = svdA.rank, kb = svdB.rank
        // (Sa[:, None] * Vaᵀ) @ Ub * Sb[None, :], in that order.
        var left = Kernels.transpose(svdA.v, rows: m, cols: ka)  // ka × m
        for i in 0..<ka {
            for j in 0..<m { left[i * m + j] = svdA.s[i] * left[i * m + j] }
        }
        var middle = Kernels.product(left, svdB.u, m: ka, k: m, n: kb)
        for i in 0..<ka {
            for j in 0..<kb { middle[i * kb + j] *= svdB.s[j] }
        }
        let svdM = try ThinSVD(rows: ka, cols: kb, values: middle, context: context)
        rank = svdM.rank
        u = Kernels.product(svdA.u, svdM.u, m: l, k: ka, n: rank)
        v = Kernels.product(svdB.v, svdM.v, m: r, k: kb, n: rank)
        s = svdM.s
    }

    /// Flips singular pairs so each column of U points the way `reference`'s does.
    mutating func alignSigns(to reference: FactoredSVD<Float>, rows l: Int, columns r: Int) {
        precondition(reference.rank == rank)
        for c in 0..<rank {
            var dot = 0.0
            for i in 0..<l { dot += Double(u[i * rank + c]) * Double(reference.u[i * rank + c]) }
            for i in 0..<r { dot += Double(v[i * rank + c]) * Double(reference.v[i * rank + c]) }
            guard dot < 0 else { continue }
            for i in 0..<l { u[i * rank + c] = -u[i * rank + c] }
            for i in 0..<r { v[i * rank + c] = -v[i * rank + c] }
        }
    }
}
