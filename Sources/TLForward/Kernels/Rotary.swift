import Foundation
import TLCore

/// Rotary position embedding tables, as TransformerLens computes them (angles in
/// double precision, then float32), for the first `dim` features of each head.
struct Rotary: Sendable {
    let dim: Int
    /// GPT-J style (rotate (x0, x1), (x2, x3), …) instead of NeoX style (x_i with x_{i+dim/2}).
    let adjacentPairs: Bool
    /// `[positions, dim]` row-major.
    private let sin: [Float]
    private let cos: [Float]
    let positions: Int

    init(dim: Int, base: Double, adjacentPairs: Bool, positions: Int, ntkByParts: NTKByParts?) {
        self.dim = dim
        self.adjacentPairs = adjacentPairs
        self.positions = positions
        let half = dim / 2
        // Inverse frequency of pair i: base^(-2i/dim), optionally rescaled by parts (Llama 3.1).
        var inverse = (0..<half).map { i in 1 / pow(base, Double(2 * i) / Double(dim)) }
        if let ntk = ntkByParts { inverse = inverse.map(ntk.rescale) }
        var sin = [Float](repeating: 0, count: positions * dim)
        var cos = [Float](repeating: 0, count: positions * dim)
        for p in 0..<positions {
            for j in 0..<dim {
                let pair = adjacentPairs ? j / 2 : j % half
                let angle = Double(p) * inverse[pair]
                sin[p * dim + j] = Float(Foundation.sin(angle))
                cos[p * dim + j] = Float(Foundation.cos(angle))
            }
        }
        self.sin = sin
        self.cos = cos
    }

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
