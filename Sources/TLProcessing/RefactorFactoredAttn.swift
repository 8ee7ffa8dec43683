import TLCore
import TLModel

/// TransformerLens's `refactor_factored_attn_matrices`. A head's behaviour depends only on
/// `W_QK = W_Q·W_Kᵀ` and `W_OV = W_V·W_O`; this picks the factorisation given by their SVDs:
/// - QK: with the biases appended as an extra input row (`W_eff = [W; b]`, an input whose
///   last coordinate is 1), `W_Q_eff·W_K_effᵀ = U·S·Vᵀ` becomes `W_Q_eff = U·√S`,
///   `W_K_eff = V·√S`, split back into weights and biases.
/// - OV: value biases move into b_O (as `FoldValueBiases`), then `W_V = U·S`, `W_O = Vᵀ`.
///
/// The SVDs follow `FactoredMatrix.svd` step for step (see `FactoredSVD`). Torch runs them
/// in float32 with MKL's LAPACK; no other build reproduces its rounding, and singular
/// vectors of close singular values amplify rounding (≈2e-5 on the fixtures), so the
/// values come from the same steps in double (off TransformerLens by its rounding only).
/// Each singular pair is defined up to a joint sign: that sign is taken from the same
/// steps in float32, as torch computes them, which agrees with MKL for most pairs; where
/// rounding tips LAPACK the other way (a few percent of pairs) both signs are equally
/// valid and every product (W_QK, W_OV) is the same.
///
/// Undefined for rotary models (their QK product depends on positions; TransformerLens
/// asserts) and unsupported for grouped-query attention (TransformerLens crashes):
/// `ProcessingPipeline` refuses both before any weight is touched.
public enum RefactorFactoredAttn: ProcessingStep {
    public static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        guard case .block(let l) = group else { return }
        try checkSupported(config)
        let dims = try Dims(config)
        guard dims.dHead <= dims.dModel else {
            throw .unsupported("--refactor-factored-attn-matrices needs d_head (\(dims.dHead)) ≤ d_model (\(dims.dModel))")
        }
        let p = "blocks.\(l).attn"
        try refactorQK(p, &weights, dims)
        try FoldValueBiases.apply(to: group, weights: &weights, config: config)
        try refactorOV(p, &weights, dims)
    }

    /// The refusal, with the reason, for models the refactor does not apply to.
    static func checkSupported(_ config: CanonicalConfig) throws(TLError) {
        if config.position == .rotary {
            throw .unsupported("--refactor-factored-attn-matrices is undefined for rotary models: their "
                               + "query-key product depends on the positions (TransformerLens refuses it too)")
        }
        if config.isGroupedQuery {
            throw .unsupported("--refactor-factored-attn-matrices does not support grouped-query attention "
                               + "(n_key_value_heads = \(config.nKeyValueHeads ?? 0)); TransformerLens fails on it too")
        }
    }

    private static func refactorQK(_ p: String, _ weights: inout StateDict, _ dims: Dims) throws(TLError) {
        let (n, dModel, dHead) = (dims.nHeads, dims.dModel, dims.dHead)
        var wQ = try Param.take("\(p).W_Q", &weights, shape: [n, dModel, dHead])
        var bQ = try Param.takeOrZeros("\(p).b_Q", &weights, shape: [n, dHead])
        var wK = try Param.take("\(p).W_K", &weights, shape: [n, dModel, dHead])
        var bK = try Param.takeOrZeros("\(p).b_K", &weights, shape: [n, dHead])
        let rows = dModel + 1
        for h in 0..<n {
            let weightRange = (h * dModel * dHead)..<((h + 1) * dModel * dHead)
            let biasRange = (h * dHead)..<((h + 1) * dHead)
            let qEff = Array(wQ.values[weightRange] + bQ.values[biasRange])   // (d_model+1) × d_head
            let kEff = Array(wK.values[weightRange] + bK.values[biasRange])
            let svd = try factorise(qEff, Kernels.transpose(kEff, rows: rows, cols: dHead),
                                    l: rows, m: dHead, r: rows, context: "\(p).W_Q·W_Kᵀ (head \(h))")
            let root = svd.s.map { $0.squareRoot() }
            for r in 0..<rows {
                for c in 0..<dHead {
                    let q = Float(svd.u[r * dHead + c] * root[c])
                    let k = Float(svd.v[r * dHead + c] * root[c])
                    if r < dModel {
                        wQ.values[weightRange.lowerBound + r * dHead + c] = q
                        wK.values[weightRange.lowerBound + r * dHead + c] = k
                    } else {
                        bQ.values[biasRange.lowerBound + c] = q
                        bK.values[biasRange.lowerBound + c] = k
                    }
                }
            }
        }
        weights["\(p).W_Q"] = wQ
        weights["\(p).b_Q"] = bQ
        weights["\(p).W_K"] = wK
        weights["\(p).b_K"] = bK
    }

    private static func refactorOV(_ p: String, _ weights: inout StateDict, _ dims: Dims) throws(TLError) {
        let (n, dModel, dHead) = (dims.nHeads, dims.dModel, dims.dHead)
        var wV = try Param.take("\(p).W_V", &weights, shape: [n, dModel, dHead])
        var wO = try Param.take("\(p).W_O", &weights, shape: [n, dHead, dModel])
        let size = dModel * dHead
        for h in 0..<n {
            let range = (h * size)..<((h + 1) * size)
            let svd = try factorise(Array(wV.values[range]), Array(wO.values[range]),
                                    l: dModel, m: dHead, r: dModel, context: "\(p).W_V·W_O (head \(h))")
            for r in 0..<dModel {
                for c in 0..<dHead {
                    wV.values[range.lowerBound + r * dHead + c] = Float(svd.u[r * dHead + c] * svd.s[c])
                    wO.values[range.lowerBound + c * dModel + r] = Float(svd.v[r * dHead + c])
                }
            }
        }
        weights["\(p).W_V"] = wV
        weights["\(p).W_O"] = wO
    }

    /// `A·B` factorised: double-precision values, signs as torch's float32 steps pick them.
    private static func factorise(_ a: [Float], _ b: [Float], l: Int, m: Int, r: Int,
                                  context: String) throws(TLError) -> FactoredSVD<Double> {
        var exact = try FactoredSVD<Double>(a: a.map(Double.init), b: b.map(Double.init), l: l, m: m, r: r, context: context)
        let float32 = try FactoredSVD<Float>(a: a, b: b, l: l, m: m, r: r, context: context)
        exact.alignSigns(to: float32, rows: l, columns: r)
        return exact
    }
}
