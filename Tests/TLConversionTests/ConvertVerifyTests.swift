import Foundation
import Testing
import TLFormats
import TLTestSupport

/// `convert --verify FILE`: convert, then prove the written directory against a
/// Hugging Face dump in the same run (exit 0 when it holds, 1 when it does not).
struct ConvertVerifyTests {
    @Test(arguments: ["gem2", "mixtral"])
    func processedConversionVerifiesAgainstHuggingFace(_ name: String) throws {
        let out = ConversionTests.scratch("convert-verify-\(name)") + "/out"
        let model = Fixtures.model(name)
        let result = try TLConvertProcess.run([model, "--tl-defaults", "-o", out, "--force",
                                            "--verify", model + "/hf_logits.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileSystem.isFile(out + "/model.safetensors"))
    }

    @Test func aReferenceOfAnotherModelFailsWithExitOne() throws {
        let out = ConversionTests.scratch("convert-verify-wrong") + "/out"
        // qwen3 and gpt2 share the fixture vocabulary, so the dump is well-formed but of another model.
        let result = try TLConvertProcess.run([Fixtures.model("qwen3"), "-o", out, "--force",
                                            "--verify", Fixtures.model("gpt2") + "/hf_logits.safetensors"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("tlconvert: verification failed: kl_max"), "\(result.stderr)")
    }
}
