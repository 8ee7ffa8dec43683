import Foundation
import Testing
import TLCore
import TLFormats
import TLVerify
import TLTestSupport

/// The acceptance path: `tlconvert convert` every fixture checkpoint (all families, all
/// container variants), then `tlconvert verify` it against the Hugging Face logits; the
/// test checks the saved logits itself, not only the report's verdict.
@Suite struct EndToEndTests {
    static let cases: [String] = Fixtures.cases.map(\.name)

    @Test func everyFamilyIsListed() {
        #expect(Self.cases.count >= 20)
        for name in ["gpt2", "gpt2-bin", "gpt2-sharded", "gpt2-f16", "gpt2-bf16", "gpt2-hub", "gem", "gem2", "mixtral"] {
            #expect(Self.cases.contains(name))
        }
    }

    @Test(arguments: cases)
    func convertedRawCheckpointVerifies(name: String) throws {
        try Self.convertAndVerify(name, flags: [])
    }

    /// `verify` straight on the Hugging Face checkpoint (converted in memory).
    @Test(arguments: cases)
    func huggingFaceCheckpointVerifiesDirectly(name: String) throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference = Fixtures.logitsReference(name)
        let saved = dir + "/ours.safetensors"
        let verified = try TLConvertProcess.run(["verify", Fixtures.path("models/\(name)"), "--offline",
                                              "--reference", reference, "--save-logits", saved])
        #expect(verified.status == 0, "verify \(name): \(verified.stderr)")
        #expect(verified.stdout.contains("result: PASS"))
        let ours = try SafeTensorsFile(path: saved).tensor(named: "logits").float32()
        let logProb = Verifier.report(reference: try ReferenceDump.load(reference), ours: ours).overall.maxLogProbDiff
        #expect(logProb <= 1e-4, "\(name): max |Δ log-prob| \(logProb)")
    }

    @Test(arguments: cases)
    func convertedWithTLDefaultsVerifies(name: String) throws {
        try Self.convertAndVerify(name, flags: ["--tl-defaults"])
    }

    static func convertAndVerify(_ name: String, flags: [String]) throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/\(name)"
        let converted = try TLConvertProcess.run(["convert", Fixtures.path("models/\(name)"), "-o", model] + flags)
        try #require(converted.status == 0, "convert \(name) \(flags): \(converted.stderr)")
        let reference = Fixtures.logitsReference(name)
        let saved = dir + "/ours.safetensors"
        let verified = try TLConvertProcess.run(["verify", model, "--reference", reference, "--json", "--save-logits", saved])
        #expect(verified.status == 0, "verify \(name) \(flags): \(verified.stderr)")
        #expect(try JSONParser.parse(verified.stdout, path: "stdout")["pass"] == .bool(true))
        let ours = try SafeTensorsFile(path: saved).tensor(named: "logits").float32()
        let dump = try ReferenceDump.load(reference)
        let logProb = Verifier.report(reference: dump, ours: ours).overall.maxLogProbDiff
        #expect(logProb <= 1e-4, "\(name) \(flags): max |Δ log-prob| \(logProb)")
    }
}
