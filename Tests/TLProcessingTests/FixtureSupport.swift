import Foundation
import TLCore
import TLFormats
import TLModel
import TLTestSupport

/// The processing tests' views of the shared fixtures (TLTestSupport).
extension FixtureCase {
    /// TransformerLens made `processing` references for this case, and they are on disk.
    func has(_ processing: String) -> Bool {
        tlReferences && tlProcessings.contains(processing)
            && FileManager.default.fileExists(atPath: Fixtures.reference(name, processing) + ".safetensors")
    }
}

extension Fixtures {
    /// Cases whose processed TransformerLens references are right (Mixtral's are not).
    static func referenceCases(_ processing: String) -> [FixtureCase] {
        cases.filter { $0.has(processing) && $0.has("raw") && !$0.tlProcessedBroken }
    }

    /// Cases with TransformerLens's raw weights (processing input), broken ones included.
    static var rawCases: [FixtureCase] { cases.filter { $0.has("raw") } }
}

/// The acceptance tolerance: |ours − theirs| ≤ 2e-5 + 1e-4·|theirs|.
enum Tolerance {
    static let absolute: Float = 2e-5
    static let relative: Float = 1e-4

    /// The largest |a − b| and whether every element is within tolerance.
    static func compare(_ ours: [Float], _ theirs: [Float]) -> (maxError: Float, within: Bool) {
        var maxError: Float = 0
        var within = ours.count == theirs.count
        for (a, b) in zip(ours, theirs) {
            let error = abs(a - b)
            if !(error <= absolute + relative * abs(b)) { within = false }
            if !(error <= maxError) { maxError = error.isNaN ? .infinity : error }
        }
        return (maxError, within)
    }
}
