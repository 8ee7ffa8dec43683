import Foundation
import Testing
import TLCore
import TLFormats
import TLModel
@testable import TLConversion
import TLTestSupport

/// The converter's use of `GroupProcessing`: the plan follows the processed config, each
/// group is processed before it is checked and written, and a step that produces the
/// wrong tensors is caught.
struct ProcessingSeamTests {
    /// Drops the LayerNorm weights (the bookkeeping half of fold_ln), as a stand-in step.
    struct DropNorms: GroupProcessing {
        var leaveOneBehind = false
        /// A group whose processing throws (the embed and unembed run on their own lane).
        var failIn: WeightGroup?
        func outputConfig(for config: CanonicalConfig) throws(TLError) -> CanonicalConfig {
            var c = config
            c.normalizationType = "LNPre"
            return c
        }
        func process(_ group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
            #expect(config.normalizationType == "LN", "steps see the unprocessed config")
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
        let converter = Converter(processing: DropNorms(), options: ProcessingOptions(foldLN: true))
        let result = try converter.convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out)
        let file = try SafeTensorsFile(path: out + "/model.safetensors")
        #expect(!file.tensorNames.contains { $0.contains("ln") })
        #expect(file.tensorNames.count == result.tensorCount)
        #expect(file.metadata["fold_ln"] == "true")
        #expect(try JSONParser.parseFile(out + "/config.json")["normalization_type"]?.stringValue == "LNPre")
    }

    @Test func aStepThatLeavesAnUnplannedTensorFails() throws {
        let out = ConversionTests.scratch("seam-bad") + "/out"
        let converter = Converter(processing: DropNorms(leaveOneBehind: true))
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
        let converter = Converter(processing: DropNorms(failIn: group))
        #expect(throws: TLError.badTensor(name: "\(group)", problem: "refused by the test step")) {
            try converter.convert(try HFCheckpoint.open(Fixtures.model("gpt2")), modelID: "gpt2", to: out)
        }
        #expect(FileSystem.kind(of: out) == .missing)
        #expect(((try? FileSystem.contents(of: FileSystem.directory(of: out))) ?? []).isEmpty)
    }
}
