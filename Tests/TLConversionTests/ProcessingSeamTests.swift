import Foundation
import Testing
import TLCore
import TLFormats
import TLModel
import TLProcessing
@testable import TLConversion
import TLTestSupport

/// The converter's use of `GroupProcessing`: the plan follows the processed config, each
/// group is processed before it is checked and written, and a step that produces the
/// wrong tensors is caught.
struct ProcessingSeamTests {
    /// Drops the LayerNorm weights (the bookkeeping half of fold_ln), as a stand-in step.
    struct DropNorms: GroupProcessing, PreparedProcessing {
        var leaveOneBehind = false
        /// A group whose processing throws (the embed and unembed run on their own lane).
        var failIn: WeightGroup?
        var options: ProcessingOptions { ProcessingOptions(foldLN: true) }
        var config: CanonicalConfig?
        var outputConfig: CanonicalConfig {
            var c = config ?? CanonicalConfig(nLayers: 0, dModel: 0, nCtx: 0, dHead: 0)
            c.norm = .layerNormPre
            return c
        }
        var notices: [String] { ["a stand-in step"] }
        var applied: ProcessingOptions { options }
        func prepare(for config: CanonicalConfig) throws(TLError) -> any PreparedProcessing {
            #expect(config.norm == .layerNorm, "processing is prepared for the unprocessed config")
            var prepared = self
            prepared.config = config
            return prepared
        }
        func process(_ group: WeightGroup, weights: inout StateDict) throws(TLError) {
            if group == failIn { throw .badTensor(name: "\(group)", problem: "refused by the test step") }
            for name in weights.keys where name.contains(".ln1.") || name.contains(".ln2.") || name.hasPrefix("ln_final.") {
                if leaveOneBehind && name == "blocks.0.ln1.w" { continue }
                weights[name] = nil
            }
        }
    }

    @Test func planAndConfigFollowTheProcessedConfig() throws {
        let out = ConversionTests.scratch("seam") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let converter = Converter(processor: DropNorms())
        var lines = [String]()
        let result = try converter.convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out,
                                           progress: { lines.append($0) })
        #expect(lines.filter { $0 == "note: a stand-in step" }.count == 1, "notices come once, through progress")
        let file = try SafeTensorsFile(path: out + "/model.safetensors")
        #expect(!file.tensorNames.contains { $0.contains("ln") })
        #expect(file.tensorNames.count == result.tensorCount)
        #expect(file.metadata["fold_ln"] == "true")
        #expect(try JSONParser.parseFile(out + "/config.json")["normalization_type"]?.stringValue == "LNPre")
    }

    @Test func aStepThatLeavesAnUnplannedTensorFails() throws {
        let out = ConversionTests.scratch("seam-bad") + "/out"
        let converter = Converter(processor: DropNorms(leaveOneBehind: true))
        #expect(throws: TLError.self) {
            try converter.convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out)
        }
        #expect(FileSystem.kind(of: out) == .missing)
        #expect(((try? FileSystem.contents(of: FileSystem.directory(of: out))) ?? []).isEmpty)
    }

    /// A failure in any group, on the calling thread or on the embedding lane, ends the
    /// conversion with that group's error and leaves nothing behind.
    @Test(arguments: [WeightGroup.embed, .block(1), .unembed])
    func aFailingGroupStopsEverythingAndLeavesNoOutput(_ group: WeightGroup) throws {
        let out = ConversionTests.scratch("seam-fail") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let converter = Converter(processor: DropNorms(failIn: group))
        #expect(throws: TLError.badTensor(name: "\(group)", problem: "refused by the test step")) {
            try converter.convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out)
        }
        #expect(FileSystem.kind(of: out) == .missing)
        #expect(((try? FileSystem.contents(of: FileSystem.directory(of: out))) ?? []).isEmpty)
    }
}
