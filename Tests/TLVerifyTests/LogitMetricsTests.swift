import Foundation
import Testing
import TLCore
@testable import TLVerify

@Suite struct LogitMetricsTests {
    @Test func identicalLogitsAgreeCompletely() {
        let logits = FloatTensor(shape: [1, 2, 4], values: [1, 2, 3, 4, 0, -1, 5, 2])
        let m = LogitMetrics.compare(reference: logits, ours: logits)
        #expect(m.positions == 2)
        #expect(m.mse == 0 && m.maxAbsDiff == 0 && m.klMax == 0 && m.maxLogProbDiff == 0)
        #expect(abs(m.cosineMin - 1) < 1e-12)
        #expect(m.top1Agreement == 1 && m.top5Overlap == 1)
    }

    @Test func aShiftPerPositionIsNoDifference() {
        let reference = FloatTensor(shape: [1, 2, 3], values: [1, 2, 3, 0, -1, 5])
        let shifted = FloatTensor(shape: [1, 2, 3], values: [11, 12, 13, -3, -4, 2])
        let m = LogitMetrics.compare(reference: reference, ours: shifted)
        #expect(m.maxAbsDiff < 1e-6 && m.klMax < 1e-12 && m.maxLogProbDiff < 1e-6)
    }

    @Test func klMatchesAHandComputedValue() {
        // p = (1/2, 1/2), q = (3/4, 1/4): KL(p‖q) = ½ ln(4/3).
        let reference = FloatTensor(shape: [1, 1, 2], values: [0, 0])
        let ours = FloatTensor(shape: [1, 1, 2], values: [Float(log(3.0)), 0])
        let m = LogitMetrics.compare(reference: reference, ours: ours)
        #expect(abs(m.klMax - 0.5 * log(4.0 / 3.0)) < 1e-7)
        #expect(abs(m.maxLogProbDiff - log(2.0)) < 1e-6)  // |ln ½ − ln ¼|
        #expect(m.top1Agreement == 1)  // the reference's tie resolves to index 0, ours' maximum
        #expect(m.cosineMin == 0)  // the centred reference is the zero vector
    }

    @Test func topKCountsOverlap() {
        let reference = FloatTensor(shape: [1, 1, 7], values: [7, 6, 5, 4, 3, 2, 1])
        let ours = FloatTensor(shape: [1, 1, 7], values: [6, 7, 5, 4, 1, 2, 3])
        let m = LogitMetrics.compare(reference: reference, ours: ours)
        #expect(m.top1Agreement == 0)
        #expect(abs(m.top5Overlap - 0.8) < 1e-12)  // {0,1,2,3,4} vs {1,0,2,3,6}
    }
}
