import Testing
import TLFormats
@testable import TLHub

struct ZooListingTests {
    @Test func jsonHasTheContractKeysForEveryName() throws {
        let convertible: Set = ["GPT2LMHeadModel", "LlamaForCausalLM"]
        let parsed = try JSONParser.parse(ZooListing.json(convertible: convertible.contains), path: "list --json")
        let entries = try #require(parsed.arrayValue)
        #expect(entries.count == Zoo.entries.count)
        for (value, entry) in zip(entries, Zoo.entries) {
            #expect(value.objectMembers?.map(\.key) == ["name", "aliases", "repo", "architecture", "convertible"])
            #expect(value["convertible"]?.boolValue == convertible.contains(entry.architecture))
            #expect(value["name"]?.stringValue == entry.name)
            #expect(value["aliases"]?.arrayValue?.compactMap(\.stringValue) == entry.aliases)
            #expect(value["architecture"]?.stringValue == entry.architecture)
            #expect(value["repo"] == (entry.repo.map(JSONValue.string) ?? .null))
        }
        #expect(entries.first?["aliases"] == .array([.string("gpt2-small")]))
        #expect(entries.first { $0["name"] == .string("llama-7b-hf") }?["repo"] == .null)
    }

    @Test func tableListsEveryNameWithItsAliases() {
        let lines = ZooListing.table(convertible: { $0 == "GPT2LMHeadModel" }).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true)
        let cells = { (line: String) in line.split(separator: " ").map(String.init) }
        #expect(lines.contains { cells($0).prefix(3) == ["gpt2", "GPT2LMHeadModel", "yes"] && $0.hasSuffix("gpt2-small") })
        #expect(lines.contains { cells($0).prefix(3) == ["facebook/opt-125m", "OPTForCausalLM", "no"] })
        #expect(lines.contains { $0.hasPrefix("llama-7b-hf *") })
        let gpt2Names = Zoo.entries.filter { $0.architecture == "GPT2LMHeadModel" }.count
        #expect(lines.contains("249 models (\(gpt2Names) convertible), 410 aliases (names and aliases match in any case; any Hugging Face repo id org/name works too)"))
    }
}
