import Foundation
import TLCore
import TLModel

/// The activations' kernels (the kinds themselves are `TLModel`'s `ActivationKind`).
extension ActivationKind {
    /// Applies the activation to `count` values of each of `rows` rows (stride `stride`) in place.
    func apply(_ base: UnsafeMutablePointer<Float>, rows: Int, count: Int, stride: Int) {
        Parallel.rows(rows, workPerRow: count) { range in applyRows(base, rows: range, count: count, stride: stride) }
    }

    private func applyRows(_ base: UnsafeMutablePointer<Float>, rows: Range<Int>, count: Int, stride: Int) {
        for r in rows {
            let p = base + r * stride
            switch self {
            case .solu, .soluLN:
                // x · softmax(x) over the row.
                var peak = -Float.infinity
                for i in 0..<count { peak = max(peak, p[i]) }
                var total: Float = 0
                var weights = [Float](repeating: 0, count: count)
                for i in 0..<count { weights[i] = expf(p[i] - peak); total += weights[i] }
                for i in 0..<count { p[i] *= weights[i] / total }
            case .geluNew, .geluPytorchTanh:
                // Specialised loops: one branch per row, not per element.
                for i in 0..<count { p[i] = ActivationKind.geluNew(p[i]) }
            case .silu:
                for i in 0..<count { p[i] = p[i] / (1 + expf(-p[i])) }
            default:
                for i in 0..<count { p[i] = scalar(p[i]) }
            }
        }
    }

    /// tanh through one `expf` (about twice as fast as `tanhf`); the absolute error
    /// (≈1e-7) is what matters inside GELU's `1 + tanh(·)`.
    @inline(__always)
    static func tanh(_ u: Float) -> Float {
        1 - 2 / (expf(2 * u) + 1)
    }

    /// GELU's tanh approximation (GPT-2's `gelu_new`, PyTorch's `approximate="tanh"`).
    @inline(__always)
    static func geluNew(_ x: Float) -> Float {
        0.5 * x * (1 + tanh(0.79788456080286536 * (x + 0.044715 * x * x * x)))
    }

    @inline(__always)
    func scalar(_ x: Float) -> Float {
        switch self {
        case .gelu:
            return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        case .geluNew, .geluPytorchTanh:
            return ActivationKind.geluNew(x)
        case .geluFast:
            return 0.5 * x * (1 + ActivationKind.tanh(x * 0.7978845608 * (1 + 0.044715 * x * x)))
        case .relu:
            return max(x, 0)
        case .silu:
            return x / (1 + expf(-x))
        case .solu, .soluLN:
            return x  // row-wise, handled in `apply`
        case .xielu:
            // TransformerLens's fixed-parameter `xielu`; an MLP with its own coefficients uses `XIELU`.
            return x > 0 ? 0.8 * x * x + 0.5 * x : (expm1f(min(x, -1e-6)) - x) * 0.8 + 0.5 * x
        }
    }
}
