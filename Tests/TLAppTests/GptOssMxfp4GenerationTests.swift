import Foundation
import Testing
import TLApp
import TLFormats
import TLTestSupport

/// `generate` straight from an MXFP4-packed GPT-OSS checkpoint (dequantized while it loads):
/// transformers' greedy ids from its own dequantization (Fixtures/models/gptoss-mxfp4/hf_greedy.json).
struct GptOssMxfp4GenerationTests {
    @Test func greedyFromThePackedCheckpointEqualsTransformers() throws {
        let model = Fixtures.model("gptoss-mxfp4")
        let reference = try JSONParser.parseFile(model + "/hf_greedy.json")
        let prompt = try #require(reference["prompt"]?.stringValue)
        let maxNewTokens = try #require(reference["max_new_tokens"]?.intValue)
        let ids = { (key: String) in reference[key]?.arrayValue?.compactMap(\.intValue) ?? [] }
        let loaded = try ModelLoader.load(model)
        let result = try Generation.run(loaded, prompt: prompt, maxNewTokens: maxNewTokens, sampling: SamplingOptions())
        #expect(result.inputIDs == ids("input_ids"))
        #expect(result.newIDs == ids("new_ids"))
    }
}
