import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport

/// What a converted directory says about its processing: `model.safetensors`'s metadata and
/// `tlconvert.json` record the flags that took effect, next to those asked for.
struct ConversionRecordTests {
    /// coreutils' digest of a file, as an independent reference.
    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    /// An RMSNorm model under --tl-defaults: TransformerLens skips centring the writing
    /// weights, and so the record says it was not applied.
    @Test func rmsModelRecordsCentringAsNotApplied() throws {
        let dir = ConversionTests.scratch("record")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try TLConvertProcess.run(["convert", Fixtures.model("lam-gqa"), "-o", dir + "/out", "--tl-defaults"])
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("note: normalization_type is RMS, not LayerNorm: not centring the writing weights"))

        let metadata = try SafeTensorsFile(path: dir + "/out/model.safetensors").metadata
        #expect(metadata["center_writing_weights"] == "false")
        #expect(metadata["fold_ln"] == "true" && metadata["center_unembed"] == "true" && metadata["fold_value_biases"] == "true")

        let record = try JSONParser.parseFile(dir + "/out/tlconvert.json")
        let requested = try #require(record["processing"]?["requested"])
        let applied = try #require(record["processing"]?["applied"])
        #expect(requested["center_writing_weights"]?.boolValue == true)
        #expect(applied["center_writing_weights"]?.boolValue == false)
        #expect(applied["fold_ln"]?.boolValue == true && applied["refactor_factored_attn_matrices"]?.boolValue == false)
        #expect(record["model_from_pretrained_kwargs"] == applied)
        #expect(record["processing"]?["notices"]?.arrayValue?.count == 1)
        #expect(record["dtype"]?.stringValue == "float32")
    }

    /// The record names every source file read, with its size and sha256.
    @Test func sourceFilesAreHashed() throws {
        let dir = ConversionTests.scratch("record-files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = Fixtures.model("gpt2-sharded")
        let result = try TLConvertProcess.run(["convert", source, "-o", dir + "/out"])
        try #require(result.status == 0, "\(result.stderr)")
        let record = try JSONParser.parseFile(dir + "/out/tlconvert.json")
        let files = try #require(record["source"]?["files"]?.arrayValue)
        let names = files.compactMap { $0["name"]?.stringValue }
        #expect(names.first == "config.json")
        #expect(names.contains("model.safetensors.index.json") && names.contains("tokenizer.json"))
        #expect(names.filter { $0.hasSuffix(".safetensors") && $0.contains("-of-") }.count >= 2, "\(names)")
        for file in files {
            let name = try #require(file["name"]?.stringValue)
            let path = source + "/" + name
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
            #expect(file["bytes"]?.intValue == bytes, "\(name)")
            #expect(file["sha256"]?.stringValue == (try Self.sha256sum(path)), "\(name)")
        }
        #expect(record["processing"]?["applied"]?["fold_ln"]?.boolValue == false)
    }
}
