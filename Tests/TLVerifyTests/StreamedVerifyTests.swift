import Foundation
import Testing
import TLCore
import TLFormats
import TLVerify
import TLTestSupport

/// `verify` reads weights in place in their stored dtype: a Hugging Face checkpoint through a
/// temporary conversion (removed at once, processing flags still applied), a 16-bit converted
/// directory as it is. Each checked against the Hugging Face logits.
@Suite struct StreamedVerifyTests {
    static func verify(_ model: String, reference name: String, flags: [String] = [],
                       temporary: String) throws -> Double {
        let reference = Fixtures.path("models/\(name)/hf_logits.safetensors")
        let saved = temporary + "/ours.safetensors"
        let run = try TLConvertProcess.run(["verify", model, "--offline", "--reference", reference, "--force",
                                            "--save-logits", saved] + flags,
                                           environment: ["TMPDIR": temporary + "/tmp"])
        #expect(run.status == 0, "verify \(model) \(flags): \(run.stderr)")
        let ours = try SafeTensorsFile(path: saved).tensor(named: "logits").float32()
        return Verifier.report(reference: try ReferenceDump.load(reference), ours: ours).overall.maxLogProbDiff
    }

    /// Processing flags on a Hugging Face checkpoint, 16-bit ones included: the temporary copy
    /// is float32 then, and it is gone when verify ends.
    @Test(arguments: [("gpt2", ["--tl-defaults"]), ("lam-gqa", ["--fold-ln", "--center-unembed"]),
                      ("gpt2-bf16", []), ("gpt2-bf16", ["--tl-defaults"]), ("gpt2-f16", ["--fold-value-biases"]),
                      ("mixtral", [])])
    func huggingFaceCheckpointWithFlags(name: String, flags: [String]) throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let diff = try Self.verify(Fixtures.path("models/\(name)"), reference: name, flags: flags, temporary: dir)
        #expect(diff <= 1e-4, "\(name) \(flags): max |Δ log-prob| \(diff)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp") == [], "a temporary copy was left")
    }

    /// A directory converted to bfloat16 or float16 is verified from its 16-bit tensors.
    @Test(arguments: [("gpt2-bf16", "bfloat16"), ("gpt2-f16", "float16")])
    func sixteenBitDirectoryVerifies(name: String, dtype: String) throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let converted = try TLConvertProcess.run(["convert", Fixtures.path("models/\(name)"), "-o", dir + "/out",
                                                  "--dtype", dtype])
        try #require(converted.status == 0, "\(converted.stderr)")
        let diff = try Self.verify(dir + "/out", reference: name, temporary: dir)
        // The source was 16-bit already: narrowing it is exact.
        #expect(diff <= 1e-4, "\(name) as \(dtype): max |Δ log-prob| \(diff)")
    }

    /// A run killed while it converts leaves its temporary folder; the next run removes it.
    @Test func staleTemporaryCopyIsSwept() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stale = dir + "/tmp/.tlconvert-model.tmp-999999999"
        try FileManager.default.createDirectory(atPath: stale + "/model", withIntermediateDirectories: true)
        _ = try Self.verify(Fixtures.path("models/gpt2"), reference: "gpt2", temporary: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp") == [])
    }
}
