import Foundation
import Testing
import TLConversion
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// The path `tlconvert convert` takes: Hugging Face checkpoint → canonical groups
/// (`WeightMapper`) → processing group by group. Against TransformerLens's processed
/// references, for every fixture that has them (Mixtral's processed ones are wrong).
struct ConvertedCheckpointTests {
    static var modes: [(reference: String, options: ProcessingOptions)] {
        [("fold_ln", .init(foldLN: true)), ("defaults", .tlDefaults)]
    }

    @Test("converted and processed weights match TransformerLens", arguments: Fixtures.referenceCases("defaults"))
    func convertedMatch(_ fixture: FixtureCase) throws {
        let checkpoint = try HFCheckpoint.open(Fixtures.model(fixture.name))
        let module = try checkpoint.module()
        let config = try module.canonicalConfig(from: checkpoint.config, modelID: fixture.name)
        let mapper = try WeightMapper(module: module, config: config, checkpoint: checkpoint)
        for (reference, options) in Self.modes {
            let pipeline = ProcessingPipeline(options: options)
            let expected = try Fixtures.referenceWeights(fixture.name, reference)
            let expectedConfig = try Fixtures.referenceConfig(fixture.name, reference)
            #expect(try pipeline.outputConfig(for: config).norm == expectedConfig.norm)
            var worst: Float = 0
            for group in WeightGroup.all(layers: config.nLayers) {
                var weights = try mapper.map(group)
                try pipeline.plan(for: config).process(group, weights: &weights)
                for (name, theirs) in expected where WeightGroup(parameter: name) == group {
                    if skipsUninitialised(name, config: config) { continue }
                    guard let ours = weights[name] else {
                        Issue.record("\(fixture.name) \(reference): \(name) not produced")
                        continue
                    }
                    #expect(ours.shape == theirs.shape, "\(fixture.name) \(reference): \(name) shape")
                    let (error, within) = Tolerance.compare(ours.values, theirs.values)
                    #expect(within, "\(fixture.name) \(reference): \(name) off by \(error)")
                    worst = max(worst, error)
                }
            }
            print("[processing] \(fixture.name) converted + \(reference): max |Δ| \(worst)")
        }
    }
}
