import Foundation
import Testing
@testable import TLForward
import TLModel

/// Kernel details the tiny fixtures do not reach.
@Suite struct KernelTests {
    /// Large activations are split across cores: every row is transformed exactly once.
    @Test(arguments: [ActivationKind.gelu, .geluNew, .geluFast, .relu, .silu])
    func parallelActivationCoversEveryRowOnce(activation: ActivationKind) {
        let (rows, cols, stride) = (300, 250, 256)  // 75,000 elements: above the parallel threshold
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rows * stride)
        defer { buffer.deallocate() }
        for i in 0..<(rows * stride) { buffer[i] = Float(i % 97) / 16 - 3 }
        activation.apply(buffer, rows: rows, count: cols, stride: stride)
        for r in 0..<rows {
            for c in 0..<stride {
                let original = Float((r * stride + c) % 97) / 16 - 3
                let expected = c < cols ? activation.scalar(original) : original  // padding untouched
                #expect(buffer[r * stride + c] == expected)
            }
        }
    }

    /// The tanh inside GELU is computed through one exp; it stays within 1e-6 of tanhf.
    @Test func fastTanhIsAccurate() {
        var worst: Float = 0
        for i in -4000...4000 {
            let u = Float(i) / 400
            worst = max(worst, abs(ActivationKind.tanh(u) - tanhf(u)))
        }
        #expect(worst < 1e-6)
        #expect(ActivationKind.tanh(100) == 1 && ActivationKind.tanh(-100) == -1)
    }

    /// A causal softmax row: only the visible prefix is normalised, the rest is zero.
    @Test func causalSoftmax() {
        var row: [Float] = [1, 2, 3, -.infinity, -.infinity]
        row.withUnsafeMutableBufferPointer { softmaxRow($0.baseAddress!, count: 5, visible: 3) }
        let total = exp(Float(1)) + exp(Float(2)) + exp(Float(3))
        #expect(abs(row[2] - exp(Float(3)) / total) < 1e-6)
        #expect(row[3] == 0 && row[4] == 0)
        var hidden: [Float] = [-.infinity, -.infinity]
        hidden.withUnsafeMutableBufferPointer { softmaxRow($0.baseAddress!, count: 2) }
        #expect(hidden == [0, 0])
    }

    /// ALiBi slopes: a geometric sequence for 8 heads, Bloom's interleaved extras for 6.
    @Test func alibiSlopes() {
        let eight = Alibi.slopes(heads: 8)
        #expect(eight.enumerated().allSatisfy { abs($0.element - pow(2, -Float($0.offset + 1))) < 1e-7 })
        let six = Alibi.slopes(heads: 6)
        let expected: [Float] = [pow(2, -2), pow(2, -4), pow(2, -6), pow(2, -8), pow(2, -1), pow(2, -3)]
        #expect(zip(six, expected).allSatisfy { abs($0 - $1) < 1e-7 })
    }
}
