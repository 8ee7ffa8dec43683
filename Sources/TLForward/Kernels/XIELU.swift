import Foundation
import TLCore
import TLModel

/// xIELU (Apertus, arXiv 2411.13010) with one layer's learned coefficients:
/// `αp·x² + β·x` for x > 0, `αn·(expm1(min(x, ε)) − x) + β·x` otherwise, where
/// `αp = softplus(alpha_p)` and `αn = β + softplus(alpha_n)`.
///
/// transformers holds these parameters in bfloat16 whatever the model's dtype, so its
/// softplus and `β + softplus` are rounded to bfloat16 before they meet float32 inputs;
/// the coefficients are rounded here the same way (TransformerLens 2.18 keeps them in float32,
/// which moves its log-probabilities by ~3e-3 on a small model).
struct XIELU: Sendable {
    let alphaP: Float
    let alphaN: Float
    /// The linear term's coefficient and the negative branch's clamp: transformers' constant
    /// buffers (bfloat16 0.5 and -1e-6), as TransformerLens's `XIELU` defaults them.
    static let beta: Float = 0.5
    static let eps = bf16(-1e-6)

    init(alphaP rawP: Float, alphaN rawN: Float) {
        alphaP = XIELU.bf16(XIELU.softplus(XIELU.bf16(rawP)))
        alphaN = XIELU.bf16(XIELU.beta + XIELU.bf16(XIELU.softplus(XIELU.bf16(rawN))))
    }

    /// Layer `layer`'s coefficients from `blocks.{l}.mlp.act_fn.*`.
    init(layer: Int, reader: WeightReader) throws(TLError) {
        let p = "blocks.\(layer).mlp."
        func scalar(_ name: String) throws(TLError) -> Float {
            let values = try reader.tensor(p + name, []).values
            guard let value = values.first, value.isFinite else {
                throw .badTensor(name: p + name, problem: "must be one finite value")
            }
            return value
        }
        self.init(alphaP: try scalar(XIELUParameters.alphaP), alphaN: try scalar(XIELUParameters.alphaN))
    }

    @inline(__always)
    func callAsFunction(_ x: Float) -> Float {
        x > 0 ? alphaP * x * x + XIELU.beta * x : (expm1f(min(x, XIELU.eps)) - x) * alphaN + XIELU.beta * x
    }

    /// Applies the activation to `count` values of each of `rows` rows (stride `stride`) in place.
    func apply(_ base: UnsafeMutablePointer<Float>, rows: Int, count: Int, stride: Int) {
        Parallel.rows(rows, workPerRow: count) { range in
            for r in range {
                let p = base + r * stride
                for i in 0..<count { p[i] = self(p[i]) }
            }
        }
    }

    /// PyTorch's softplus (threshold 20: linear above it).
    private static func softplus(_ x: Float) -> Float {
        x > 20 ? x : log1pf(expf(x))
    }

    private static func bf16(_ x: Float) -> Float {
        HalfPrecision.bf16ToFloat(HalfPrecision.floatToBF16(x))
    }
}
