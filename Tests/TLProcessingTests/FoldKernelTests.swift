import TLCore
import Testing
@testable import TLProcessing
import TLTestSupport

/// `Kernels.fold` sweeps column strips, or whole rows when they are long; each shape here
/// takes one of those paths (with and without a SIMD tail) and must equal the definition
/// computed naively in double: `b += Σ_a β[a]·W[a]`, `W *= w`, `W -= mean over a`, within
/// float32 summation error (a few ulps of Σ|terms|, as torch's float32 sums have too).
struct FoldKernelTests {
    @Test("fold = contraction, scale and centring, on every sweep path",
          arguments: [[3, 40, 64], [1, 1024, 4100], [2, 300, 13], [1, 7, 20_003], [5, 33, 1]])
    func matchesTheDefinition(_ shape: [Int]) {
        let (outer, axis, inner) = (shape[0], shape[1], shape[2])
        var rng = SplitMix64(seed: UInt64(outer * axis * inner))
        let x = (0..<(outer * axis * inner)).map { _ in Float(rng.normal()) }
        let scale = (0..<axis).map { _ in Float(1 + 0.2 * rng.normal()) }
        let normBias = (0..<axis).map { _ in Float(rng.normal()) }
        let bias0 = (0..<(outer * inner)).map { _ in Float(rng.normal()) }

        var folded = x, bias = bias0
        Kernels.fold(&folded, outer: outer, axis: axis, inner: inner, scale: scale,
                     normBias: normBias, into: &bias, centre: true)
        var worst = 0.0  // error in units of the float32 bound
        for o in 0..<outer {
            for i in 0..<inner {
                let at = { (a: Int) in (o * axis + a) * inner + i }
                let terms = (0..<axis).map { Double(normBias[$0]) * Double(x[at($0)]) }
                let expected = Double(bias0[o * inner + i]) + terms.reduce(0, +)
                let bound = 1e-6 * (abs(expected) + terms.reduce(0) { $0 + abs($1) }) + 1e-6
                worst = max(worst, abs(Double(bias[o * inner + i]) - expected) / bound)
                let scaled = (0..<axis).map { Double(x[at($0)]) * Double(scale[$0]) }
                let mean = scaled.reduce(0, +) / Double(axis)
                for a in 0..<axis {
                    let bound = 1e-6 * (abs(scaled[a]) + abs(mean)) + 1e-7
                    worst = max(worst, abs(Double(folded[at(a)]) - (scaled[a] - mean)) / bound)
                }
            }
        }
        #expect(worst <= 1, "shape \(shape): \(worst)× the float32 bound")

        var unbiased = x
        Kernels.fold(&unbiased, outer: outer, axis: axis, inner: inner, scale: scale, centre: false)
        let plain = x.indices.allSatisfy { unbiased[$0] == x[$0] * scale[($0 / inner) % axis] }
        #expect(plain, "shape \(shape): scale-only fold is not x·w")
    }
}
