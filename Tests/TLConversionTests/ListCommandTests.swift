import Testing
import TLFormats
import TLTestSupport

/// `tlconvert list --json` marks as convertible exactly what `convert` accepts, multimodal
/// wrappers included (their language model converts).
struct ListCommandTests {
    @Test func convertibleFollowsWhatConvertAccepts() throws {
        let result = try TLConvertProcess.run(["list", "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONParser.parse(result.stdout, path: "list --json").arrayValue)
        #expect(entries.count == 249)
        func convertible(_ name: String) -> Bool? { entries.first { $0["name"]?.stringValue == name }?["convertible"]?.boolValue }
        #expect(convertible("gpt2") == true)
        #expect(convertible("google/gemma-3-1b-pt") == true)           // Gemma3ForCausalLM
        #expect(convertible("google/gemma-3-4b-it") == true)           // Gemma3ForConditionalGeneration
        #expect(convertible("google/medgemma-27b-it") == true)
        #expect(convertible("allenai/OLMo-2-1124-7B") == true)
        #expect(convertible("google-bert/bert-base-cased") == true)    // HookedEncoder
        #expect(convertible("facebook/wav2vec2-base") == false)        // audio
    }
}
