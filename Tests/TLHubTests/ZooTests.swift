import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLHub
import TLTestSupport

struct ZooTests {
    /// Names and aliases as TransformerLens 2.16.1 itself resolves them
    /// (written by tools/dump_tl_zoo.py from the installed package).
    static let reference: JSONValue? = try? JSONParser.parseFile(Fixtures.packageRoot + "/Tests/TLHubTests/Reference/transformer_lens_zoo.json")

    /// The names TransformerLens added after 2.16.1, up to 4.3, with their aliases and
    /// architectures (written by tools/dump_tl_zoo_additions.py from the 4.3 wheel).
    static let additions: JSONValue? = try? JSONParser.parseFile(Fixtures.packageRoot + "/Tests/TLHubTests/Reference/transformer_lens_zoo_additions.json")

    @Test func officialNamesAreTransformerLensOwnInOrder() throws {
        let reference = try #require(Self.reference)
        #expect(reference["transformer_lens"]?.stringValue == "2.16.1")
        let official = try #require(reference["official_model_names"]?.arrayValue).compactMap(\.stringValue)
        #expect(official.count == 216)
        let added = try #require(Self.additions?["added"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(Self.additions?["transformer_lens"]?.stringValue == "4.3.0")
        #expect(added.count == 33 && Self.additions?["official_model_count"]?.intValue == 249)
        #expect(Zoo.entries.map(\.name) == official + added)
    }

    @Test func everyAliasResolvesAsInTransformerLens() throws {
        let map = try #require(Self.reference?["alias_map"]?.objectMembers)
        #expect(map.count == 216 + 372)
        for (alias, official) in map {
            #expect(Zoo.lookup(alias)?.name == official.stringValue, "alias \(alias)")
            #expect(Zoo.lookup(alias.uppercased())?.name == official.stringValue, "alias \(alias) upper-cased")
        }
        var addedSpellings = 0
        for entry in try #require(Self.additions?["added"]?.arrayValue) {
            let name = try #require(entry["name"]?.stringValue)
            let aliases = try #require(entry["aliases"]?.arrayValue).compactMap(\.stringValue)
            for spelling in [name] + aliases { #expect(Zoo.lookup(spelling)?.name == name, "\(spelling)") }
            #expect(Zoo.lookup(name)?.architecture == entry["architecture"]?.stringValue, "\(name)")
            addedSpellings += 1 + aliases.count
        }
        let spellings = Zoo.entries.reduce(0) { $0 + 1 + $1.aliases.count }
        #expect(spellings == map.count + addedSpellings, "the table has no spelling TransformerLens lacks")
    }

    @Test func notHostedNamesHaveNoRepo() throws {
        let notHosted = try #require(Self.reference?["non_hf_hosted"]?.arrayValue).compactMap(\.stringValue)
        for entry in Zoo.entries {
            #expect((entry.repo == nil) == notHosted.contains(entry.name), "\(entry.name)")
            if let repo = entry.repo { #expect(repo == entry.name) }
        }
        #expect(throws: TLError.self) { try ModelResolver.repository(for: "llama-7b") }
    }

    @Test func familiesCarryTheirArchitecture() {
        let expected: [(String, String)] = [
            ("gpt2-small", "GPT2LMHeadModel"), ("distilgpt2", "GPT2LMHeadModel"), ("opt", "OPTForCausalLM"),
            ("neo", "GPTNeoForCausalLM"), ("gptj", "GPTJForCausalLM"), ("pythia-70m", "GPTNeoXForCausalLM"),
            ("stablelm-base-3b", "GPTNeoXForCausalLM"), ("tiny-stories-1M", "GPTNeoForCausalLM"),
            ("solu-1l-old", "neel-solu-old"), ("gelu-2l", "neel"), ("othello-gpt", "mingpt"),
            ("Llama-2-7b", "LlamaForCausalLM"), ("meta-llama/Llama-3.2-1B", "LlamaForCausalLM"), ("yi-6b", "LlamaForCausalLM"),
            ("mistral-7b", "MistralForCausalLM"), ("mixtral", "MixtralForCausalLM"), ("bloom-560m", "BloomForCausalLM"),
            ("santacoder", "GPT2LMHeadCustomModel"), ("qwen-1.8b", "QWenLMHeadModel"), ("qwen1.5-0.5b", "Qwen2ForCausalLM"),
            ("qwen2.5-7b", "Qwen2ForCausalLM"), ("qwen3-0.6b", "Qwen3ForCausalLM"), ("phi-2", "PhiForCausalLM"),
            ("phi-3", "Phi3ForCausalLM"), ("phi-4", "Phi3ForCausalLM"), ("gemma-2b", "GemmaForCausalLM"),
            ("gemma-2-2b", "Gemma2ForCausalLM"), ("bert-base-cased", "BertForMaskedLM"), ("t5-small", "T5ForConditionalGeneration"),
            ("mGPT", "GPT2LMHeadModel"),
        ]
        for (name, architecture) in expected {
            #expect(Zoo.lookup(name)?.architecture == architecture, "\(name)")
        }
    }

    @Test func aliasesMapToRepos() throws {
        #expect(try ModelResolver.repository(for: "gpt2-small").repo == "gpt2")
        #expect(try ModelResolver.repository(for: "pythia-70m").repo == "EleutherAI/pythia-70m")
        #expect(try ModelResolver.repository(for: "PYTHIA-19M").repo == "EleutherAI/pythia-70m")
        #expect(try ModelResolver.repository(for: "eleutherai/pythia-70m").repo == "EleutherAI/pythia-70m")
        // Not in the zoo, but a repo id: taken as is.
        let other = try ModelResolver.repository(for: "someone/tiny-model")
        #expect(other.repo == "someone/tiny-model" && other.entry == nil)
    }

    @Test func unknownNamesSuggestNeighbours() {
        #expect(Zoo.suggestions(for: "gpt2-mediun").first == "gpt2-medium")
        #expect(Zoo.suggestions(for: "pythia-70").contains("pythia-70m"))
        #expect(Zoo.suggestions(for: "qwen2.5-7").contains("qwen2.5-7b"))
        #expect(Zoo.suggestions(for: "zzzzzzzzzzzzzzzzzzzz").isEmpty)
        do {
            _ = try ModelResolver.repository(for: "gpt3-small")
            Issue.record("an unknown name resolved")
        } catch {
            guard case .notFound(let line) = error else { Issue.record("wrong error \(error)"); return }
            #expect(line.contains("unknown model 'gpt3-small'"))
            #expect(line.contains("closest: ") && line.contains("gpt2-small"))
            #expect(error.exitCode == 2)
        }
    }

    @Test func repoIDsAreValidatedLikeHuggingFaceHub() {
        #expect(ModelResolver.isRepoID("EleutherAI/pythia-70m"))
        #expect(ModelResolver.isRepoID("Qwen/Qwen2.5-0.5B"))
        #expect(!ModelResolver.isRepoID("gpt3"))
        #expect(!ModelResolver.isRepoID("a/b/c"))
        #expect(!ModelResolver.isRepoID("org/../x"))
        #expect(!ModelResolver.isRepoID("org/na--me"))
        #expect(!ModelResolver.isRepoID("org/name with space"))
    }
}
