import Foundation
import Testing
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// Processing TransformerLens's raw weights must give TransformerLens's processed
/// weights (every parameter, same shape, values within 2e-5 + 1e-4·|x|) and config.
struct TransformerLensReferenceTests {
    static let foldOnly = ProcessingOptions(foldLN: true)

    @Test("fold_ln matches TransformerLens", arguments: Fixtures.referenceCases("fold_ln"))
    func foldLN(_ fixture: FixtureCase) throws {
        try check(fixture, options: Self.foldOnly, reference: "fold_ln")
    }

    @Test("TransformerLens defaults match", arguments: Fixtures.referenceCases("defaults"))
    func defaults(_ fixture: FixtureCase) throws {
        try check(fixture, options: .tlDefaults, reference: "defaults")
    }

    @Test("there are reference cases to check")
    func fixturesPresent() {
        #expect(Fixtures.referenceCases("fold_ln").count >= 2)
        #expect(Fixtures.referenceCases("refactor").count >= 1)
    }

    private func check(_ fixture: FixtureCase, options: ProcessingOptions, reference: String) throws {
        let raw = try Fixtures.referenceWeights(fixture.name, "raw")
        let rawConfig = try Fixtures.referenceConfig(fixture.name, "raw")
        let expected = try Fixtures.referenceWeights(fixture.name, reference)
        let expectedConfig = try Fixtures.referenceConfig(fixture.name, reference)

        let (ours, config) = try ProcessingPipeline(options: options).process(all: raw, config: rawConfig)
        #expect(config == expectedConfig, "\(fixture.name) \(reference): config differs")
        #expect(config.norm == expectedConfig.norm)
        var worst: (name: String, error: Float) = ("", 0)
        for (name, theirs) in expected.sorted(by: { $0.key < $1.key }) {
            if skipsUninitialised(name, config: rawConfig) { continue }
            guard let mine = ours[name] else {
                Issue.record("\(fixture.name) \(reference): \(name) missing")
                continue
            }
            #expect(mine.shape == theirs.shape, "\(fixture.name) \(reference): \(name) shape")
            let (error, within) = Tolerance.compare(mine.values, theirs.values)
            #expect(within, "\(fixture.name) \(reference): \(name) off by \(error)")
            if error > worst.error { worst = (name, error) }
        }
        let extra = Set(ours.keys).subtracting(expected.keys)
        #expect(extra.isEmpty, "\(fixture.name) \(reference): parameters TransformerLens does not have: \(extra.sorted())")
        print("[processing] \(fixture.name) \(reference): \(expected.count) tensors, max |Δ| \(worst.error) (\(worst.name))")
    }
}

/// `pos_embed.W_pos` of alibi models is allocated but never initialised by TransformerLens.
func skipsUninitialised(_ name: String, config: CanonicalConfig) -> Bool {
    name == "pos_embed.W_pos" && config.position == .alibi
}
