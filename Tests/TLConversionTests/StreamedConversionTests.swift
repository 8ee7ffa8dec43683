import Foundation
import Testing
import TLCore
import TLFormats
import TLModel
import TLProcessing
@testable import TLConversion
import TLTestSupport

/// The streamed conversion (blocks on the calling thread, embeddings on their lane, tensors
/// written out of order at their offsets, arrays recycled) writes exactly what the
/// whole-model path computes: every group mapped, then `ProcessingPipeline.process(all:)`.
/// (The numbers themselves are checked against TransformerLens in `ConversionTests` and
/// TLProcessingTests; this pins the streaming machinery to them bit for bit.)
struct StreamedConversionTests {
    @Test(arguments: Fixtures.cases)
    func streamedEqualsWholeModel(_ fixture: FixtureCase) throws {
        let checkpoint = try HFCheckpoint.open(Fixtures.model(fixture.name))
        let pipeline = ProcessingPipeline(options: .tlDefaults)
        let converter = Converter(processing: .tlDefaults)
        let out = ConversionTests.scratch(fixture.name) + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        _ = try converter.convert(checkpoint, modelID: Fixtures.model(fixture.name), to: out)

        let config = try converter.canonicalConfig(of: checkpoint, modelID: Fixtures.model(fixture.name))
        let mapper = try WeightMapper(module: try checkpoint.module(), config: config, checkpoint: checkpoint)
        var all = StateDict()
        for group in WeightGroup.all(layers: config.nLayers) { all.merge(try mapper.map(group)) { a, _ in a } }
        let (expected, _) = try pipeline.process(all: all, config: config)

        let written = try SafeTensorsFile(path: out + "/model.safetensors")
        #expect(Set(written.tensorNames) == Set(expected.keys), "\(fixture)")
        for (name, tensor) in expected {
            #expect(try written.tensor(named: name).floats() == tensor.values, "\(fixture): \(name) differs")
        }
    }
}
