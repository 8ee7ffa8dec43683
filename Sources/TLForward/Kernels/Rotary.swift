import Foundation
import TLCore
import TLModel

/// Rotary position embedding, as TransformerLens computes it (angles in double precision,
/// then float32), for the first `dim` features of each head. Tables are built for the
/// positions a forward pass uses, never for the whole configured context (which a hostile
/// config may set to 2^40).
struct Rotary: Sendable {
    let dim: Int
    /// GPT-J style (rotate (x0, x1), (x2, x3), …) instead of NeoX style (x_i with x_{i+dim/2}).
    let adjacentPairs: Bool
    /// Inverse frequency of each rotated pair.
    private let inverse: [Double]
    /// sin and cos are multiplied by this (YaRN's attention factor; 1 otherwise).
    private let magnitude: Double

    init(dim: Int, base: Double, adjacentPairs: Bool, ntkByParts: NTKByParts?, yarn: YarnRope? = nil) {
        self.dim = dim
        self.adjacentPairs = adjacentPairs
        // Inverse frequency of pair i: base^(-2i/dim), optionally rescaled by parts (Llama 3.1) or by YaRN.
        var inverse = (0..<dim / 2).map { i in 1 / pow(base, Double(2 * i) / Double(dim)) }
        if let ntkByParts { inverse = inverse.map(ntkByParts.rescale) }
        if let yarn { inverse = yarn.rescale(inverse, base: base, dim: dim) }
        self.inverse = inverse
        magnitude = yarn?.attentionFactor ?? 1
    }

    /// The sin/cos tables of positions `0..<positions`.
    func tables(positions: Int) -> RotaryTables { tables(positions: 0..<positions) }

    /// The sin/cos tables of `positions` only (a decoding step's), row 0 for its first position.
    func tables(positions: Range<Int>) -> RotaryTables {
        let half = dim / 2
        var sin = [Float](repeating: 0, count: positions.count * dim)
        var cos = [Float](repeating: 0, count: positions.count * dim)
        for (row, p) in positions.enumerated() {
            for j in 0..<dim {
                let pair = adjacentPairs ? j / 2 : j % half
                let angle = Double(p) * inverse[pair]
                sin[row * dim + j] = Float(Foundation.sin(angle) * magnitude)
                cos[row * dim + j] = Float(Foundation.cos(angle) * magnitude)
            }
        }
        return RotaryTables(dim: dim, adjacentPairs: adjacentPairs, sin: sin, cos: cos)
    }
}

/// Rotary tables for the first positions of a sequence.
struct RotaryTables: Sendable {
    let dim: Int
    let adjacentPairs: Bool
    /// `[positions, dim]` row-major.
    let sin: [Float]
    let cos: [Float]

    /// Rotates one head vector (its first `dim` features) for position `position` in place.
    @inline(__always)
    func rotate(_ x: UnsafeMutablePointer<Float>, position: Int, scratch: UnsafeMutablePointer<Float>) {
        let half = dim / 2
        // scratch = rotate_every_two(x) (the "flipped" partner with its sign).
        if adjacentPairs {
            var i = 0
            while i < dim {
                scratch[i] = -x[i + 1]
                scratch[i + 1] = x[i]
                i += 2
            }
        } else {
            for i in 0..<half {
                scratch[i] = -x[i + half]
                scratch[i + half] = x[i]
            }
        }
        sin.withUnsafeBufferPointer { s in
            cos.withUnsafeBufferPointer { c in
                let row = position * dim
                for i in 0..<dim { x[i] = x[i] * c[row + i] + scratch[i] * s[row + i] }
            }
        }
    }
}

/// Llama 3.1's "NTK by parts" frequency rescaling (TransformerLens's `use_NTK_by_parts_rope`).
struct NTKByParts: Sendable {
    let factor: Double
    let lowFrequencyFactor: Double
    let highFrequencyFactor: Double
    let originalContext: Double

    func rescale(_ inverseFrequency: Double) -> Double {
        let lowWavelength = originalContext / lowFrequencyFactor
        let highWavelength = originalContext / highFrequencyFactor
        let wavelength = 2 * Double.pi / inverseFrequency
        if wavelength < highWavelength { return inverseFrequency }
        if wavelength > lowWavelength { return inverseFrequency / factor }
        let smooth = (originalContext / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
        return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency
    }
}

extension YarnRope {
    /// YaRN's frequencies, as transformers computes them: pairs that turn more than `betaFast`
    /// times over the original context keep their frequency, pairs that turn fewer than `betaSlow`
    /// times are divided by `factor`, and a linear ramp over pair indices blends the ones between.
    func rescale(_ inverse: [Double], base: Double, dim: Int) -> [Double] {
        // The pair index at which a frequency turns `rotations` times over the original context.
        func pair(turning rotations: Double) -> Double {
            Double(dim) * log(Double(originalContext) / (rotations * 2 * Double.pi)) / (2 * log(base))
        }
        var low = pair(turning: betaFast), high = pair(turning: betaSlow)
        if truncate { (low, high) = (low.rounded(.down), high.rounded(.up)) }
        low = max(low, 0)
        high = min(high, Double(dim - 1))
        if low == high { high += 0.001 }  // as transformers: no zero-width ramp
        return inverse.enumerated().map { i, frequency in
            let interpolated = min(max((Double(i) - low) / (high - low), 0), 1)
            return frequency / factor * interpolated + frequency * (1 - interpolated)
        }
    }
}
