import Foundation
import Testing
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// `--refactor-factored-attn-matrices` against TransformerLens. Each singular vector pair
/// (column c of W_Q and W_K with their biases; column c of W_V and row c of W_O) is defined
/// up to a joint sign that LAPACK fixes by rounding-level details (torch's MKL and
/// OpenBLAS occasionally disagree), so each pair is compared after aligning that one sign;
/// everything else, and every value after alignment, must match within tolerance.
struct RefactorReferenceTests {
    @Test("refactor matches TransformerLens up to singular-vector signs", arguments: Fixtures.referenceCases("refactor"))
    func refactor(_ fixture: FixtureCase) throws {
        let raw = try Fixtures.referenceWeights(fixture.name, "raw")
        let rawConfig = try Fixtures.referenceConfig(fixture.name, "raw")
        let expected = try Fixtures.referenceWeights(fixture.name, "refactor")
        #expect(try Fixtures.referenceConfig(fixture.name, "refactor") == rawConfig)

        let options = ProcessingOptions(refactorFactoredAttnMatrices: true)
        let (ours, config) = try ProcessingPipeline(options: options).process(all: raw, config: rawConfig)
        #expect(config == rawConfig)
        #expect(Set(ours.keys) == Set(expected.keys).union(ours.keys.filter { skipsUninitialised($0, config: rawConfig) }))

        var aligned = ours
        var flips = 0, pairs = 0
        for l in 0..<config.nLayers {
            let p = "blocks.\(l).attn"
            flips += try alignPairs(&aligned, expected, columnsOf: ["\(p).W_Q", "\(p).W_K"], biases: ["\(p).b_Q", "\(p).b_K"],
                                    rowsOf: [], config: config)
            flips += try alignPairs(&aligned, expected, columnsOf: ["\(p).W_V"], biases: [], rowsOf: ["\(p).W_O"],
                                    config: config)
            pairs += 2 * config.nHeads * config.dHead
        }
        // Rounding decides a few signs differently; many would mean our sign choice is off.
        #expect(flips * 10 <= pairs, "\(fixture.name): \(flips) of \(pairs) singular-vector signs differ")
        var worst: (name: String, error: Float) = ("", 0)
        for (name, theirs) in expected.sorted(by: { $0.key < $1.key }) {
            if skipsUninitialised(name, config: rawConfig) { continue }
            let mine = try #require(aligned[name], "\(name) missing")
            #expect(mine.shape == theirs.shape, "\(name) shape")
            let (error, within) = Tolerance.compare(mine.values, theirs.values)
            #expect(within, "\(fixture.name) refactor: \(name) off by \(error)")
            if error > worst.error { worst = (name, error) }
        }
        print("[processing] \(fixture.name) refactor: max |Δ| \(worst.error) (\(worst.name)) after aligning \(flips) of \(pairs) singular-vector signs")
    }

    /// Flips pair c of head h in `ours` when that makes it agree with TransformerLens.
    /// Column pairs: `W[h, :, c]` (and `b[h, c]`); row pairs: `W[h, c, :]`.
    private func alignPairs(_ ours: inout StateDict, _ theirs: StateDict, columnsOf: [String], biases: [String],
                            rowsOf: [String], config: CanonicalConfig) throws -> Int {
        let (n, dModel, dHead) = (config.nHeads, config.dModel, config.dHead)
        func elements(_ name: String, h: Int, c: Int) -> [Int] {
            if columnsOf.contains(name) { return (0..<dModel).map { h * dModel * dHead + $0 * dHead + c } }
            if rowsOf.contains(name) { return (0..<dModel).map { h * dHead * dModel + c * dModel + $0 } }
            return [h * dHead + c]
        }
        let names = columnsOf + biases + rowsOf
        var flips = 0
        for h in 0..<n {
            for c in 0..<dHead {
                var dot: Float = 0
                for name in names {
                    let a = try #require(ours[name]).values, b = try #require(theirs[name]).values
                    for i in elements(name, h: h, c: c) { dot += a[i] * b[i] }
                }
                guard dot < 0 else { continue }
                flips += 1
                for name in names {
                    for i in elements(name, h: h, c: c) { ours[name]!.values[i].negate() }
                }
            }
        }
        return flips
    }
}
