import Foundation
import Testing
import TLApp
import TLCore
import TLFormats
import TLForward
import TLTestSupport
import TLTokenizers

/// `generate` against transformers (Fixtures/generate/greedy.json, written by
/// tools/make_generate_fixtures.py; 4.57.6, and 5.x for the OLMo families it saved): greedy ids
/// token for token on every decoder fixture, EOS stops, the logits warpers; TransformerLens's own
/// greedy generate on its toy models; and sampling that repeats with its seed.
@Suite struct GenerationTests {
    static let reference: JSONValue = {
        (try? JSONParser.parseFile(Fixtures.path("generate/greedy.json"))) ?? .null
    }()

    static var cases: [String] { reference["cases"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [] }

    static func entry(_ name: String) -> JSONValue? {
        reference["cases"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    static func ids(_ value: JSONValue?) -> [Int] { value?.arrayValue?.compactMap(\.intValue) ?? [] }

    static var maxNewTokens: Int { reference["max_new_tokens"]?.intValue ?? 0 }

    /// The remote-code families (no transformers class): TransformerLens's own greedy generate.
    static var remoteCode: [String] { reference["remote_code"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [] }

    /// Every model directory that loads as a decoder (BERT and T5 are covered below).
    @Test func everyDecoderFixtureHasAReference() throws {
        let models = ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("models"))) ?? [])
            .filter { FileManager.default.fileExists(atPath: Fixtures.model($0) + "/config.json") }
        let decoders = try models.filter { try ModelLoader.load(Fixtures.model($0)).model.config.modelClass == .hookedTransformer }
        #expect(Set(decoders).isSuperset(of: ["apertus", "gptoss", "olmo3-yarn", "qwen1", "santacoder"]))
        #expect(Set(Self.cases + Self.remoteCode) == Set(decoders))
        #expect(Set(Self.cases).isDisjoint(with: Self.remoteCode))
        #expect(Self.maxNewTokens == 12)
    }

    /// Qwen v1 and SantaCoder, converted in memory from their Hub layout: TransformerLens's greedy
    /// generate on its own conversion of them; SantaCoder's prompt tokenized as to_tokens does.
    @Test(arguments: remoteCode)
    func greedyEqualsTransformerLensOnRemoteCodeFamilies(name: String) throws {
        let entry = try #require(Self.reference["remote_code"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        let loaded = try ModelLoader.load(Fixtures.model(name))
        let inputIDs = Self.ids(entry["input_ids"])
        if let prompt = entry["prompt"]?.stringValue {
            let tokenizer = try ModelTokenizer.load(path: loaded.directory, facts: TokenizerFacts(config: loaded.model.config))
            #expect(try tokenizer.toTokens(prompt, prependBOS: loaded.model.config.defaultPrependBOS).ids == inputIDs)
        }
        let (ids, _) = try Generation.generate(loaded.model.transformer(), inputIDs: inputIDs, maxNewTokens: Self.maxNewTokens,
                                               sampling: SamplingOptions(), eos: [])
        #expect(ids.count == Self.maxNewTokens)
        #expect(ids == Self.ids(entry["new_ids"]), "\(name)")
    }

    /// T5 decodes greedily as transformers' generate(do_sample=False) (Fixtures/models/t5/hf_greedy.json:
    /// the decoder ids after decoder_start_token_id, EOS included).
    @Test func t5GreedyEqualsTransformers() throws {
        let reference = try JSONParser.parseFile(Fixtures.model("t5") + "/hf_greedy.json")
        let prompt = try #require(reference["prompt"]?.stringValue)
        let steps = try #require(reference["max_new_tokens"]?.intValue)
        let loaded = try ModelLoader.load(Fixtures.model("t5"))
        var streamed = ""
        let result = try Generation.run(loaded, prompt: prompt, maxNewTokens: steps, sampling: SamplingOptions(),
                                        onText: { streamed += $0 })
        #expect(result.inputIDs == Self.ids(reference["input_ids"]))
        #expect(result.newIDs == Array(Self.ids(reference["decoder_ids"]).dropFirst()))
        #expect(!result.stoppedAtContext)
        #expect(streamed == result.text)
    }

    @Test func encodersRefuseWhatTheyCannotGenerate() throws {
        let bert = try ModelLoader.load(Fixtures.model("bert"))
        #expect(throws: TLError.usage("generate: BertForMaskedLM is an encoder (HookedEncoder), which predicts no next token; use `tlconvert run` for its [MASK] and next-sentence predictions")) {
            try Generation.run(bert, prompt: "The quick brown fox", maxNewTokens: 4, sampling: SamplingOptions())
        }
        let t5 = try ModelLoader.load(Fixtures.model("t5"))
        #expect(throws: TLError.usage("generate: T5ForConditionalGeneration (HookedEncoderDecoder) decodes greedily only; drop --temperature (or give 0)")) {
            try Generation.run(t5, prompt: "x", maxNewTokens: 4, sampling: SamplingOptions(temperature: 0.7, seed: 1))
        }
        #expect(throws: TLError.usage("generate: --[no-]prepend-bos does not apply to T5ForConditionalGeneration: its prompt is tokenized with the tokenizer's template (which appends </s>)")) {
            try Generation.run(t5, prompt: "x", maxNewTokens: 4, sampling: SamplingOptions(), prependBOS: true)
        }
    }

    /// The prompt tokenized as `generate` tokenizes it, then greedy decoding with the KV cache and
    /// the EOS ids found in the directory: transformers' `generate(do_sample=False)` ids exactly.
    @Test(arguments: cases)
    func greedyEqualsTransformers(name: String) throws {
        let entry = try #require(Self.entry(name))
        let loaded = try ModelLoader.load(Fixtures.model(name))
        let prompt = try #require(Self.reference["prompt"]?.stringValue)
        let result = try Generation.run(loaded, prompt: prompt, maxNewTokens: Self.maxNewTokens, sampling: SamplingOptions())
        #expect(result.inputIDs == Self.ids(entry["input_ids"]), "\(name): prompt ids")
        #expect(result.newIDs == Self.ids(entry["new_ids"]), "\(name): new ids")
        let tokenizer = try ModelTokenizer.load(path: loaded.directory, facts: TokenizerFacts(config: loaded.model.config))
        let eos = try EndOfSequence.ids(directory: loaded.directory, tokenizerDirectory: loaded.directory, tokenizer: tokenizer)
        let expectedEOS = Self.ids(entry["eos_token_id"]).isEmpty ? entry["eos_token_id"]?.intValue.map { [$0] } ?? []
                                                                  : Self.ids(entry["eos_token_id"])
        #expect(eos == Set(expectedEOS), "\(name): eos ids")
    }

    /// The TransformerLens-native toy models (no transformers class), converted in memory from their
    /// repo layout: TransformerLens's own greedy `generate` ids.
    @Test func greedyEqualsTransformerLensOnItsOwnModels() throws {
        let cases = try #require(Self.reference["tl_native"]?.arrayValue)
        #expect(cases.count == 9)
        for entry in cases {
            let name = try #require(entry["name"]?.stringValue)
            let transformer = try ModelLoader.load(Fixtures.path("tl-native/\(name)/repo")).model.transformer()
            let (ids, _) = try Generation.generate(transformer, inputIDs: Self.ids(entry["input_ids"]),
                                                   maxNewTokens: Self.maxNewTokens, sampling: SamplingOptions(), eos: [])
            #expect(ids == Self.ids(entry["new_ids"]), "tl-native/\(name)")
        }
    }

    /// An `eos_token_id` (an id, or a list) that the continuation reaches ends it there, EOS kept.
    @Test func eosStopsGenerationAsTransformersDoes() throws {
        let runs = try #require(Self.reference["eos_overrides"]?.arrayValue)
        #expect(runs.count == 2)
        for run in runs {
            let name = try #require(run["name"]?.stringValue)
            let transformer = try ModelLoader.load(Fixtures.model(name)).model.transformer()
            let eosValue = try #require(run["eos_token_id"])
            let eos = Set(eosValue.arrayValue?.compactMap(\.intValue) ?? eosValue.intValue.map { [$0] } ?? [])
            let expected = Self.ids(run["new_ids"])
            let (ids, stoppedAtContext) = try Generation.generate(transformer, inputIDs: Self.ids(run["input_ids"]),
                                                                  maxNewTokens: Self.maxNewTokens, sampling: SamplingOptions(), eos: eos)
            #expect(ids == expected)
            #expect(!stoppedAtContext)
            #expect(ids.count < Self.maxNewTokens && eos.contains(ids.last ?? -1))
        }
    }

    /// transformers' TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper in generate's order.
    @Test func warpersMatchTransformers() throws {
        let cases = try #require(Self.reference["warpers"]?.arrayValue)
        #expect(cases.count >= 8)
        for item in cases {
            let logits = (item["logits"]?.arrayValue ?? []).compactMap(\.doubleValue).map(Float.init)
            let options = SamplingOptions(temperature: item["temperature"]?.doubleValue ?? 1, topK: item["top_k"]?.intValue,
                                          topP: item["top_p"]?.doubleValue)
            let warped = try Sampler(options).warped(logits)
            let kept = warped.indices.filter { warped[$0] != -.infinity }
            #expect(kept == Self.ids(item["kept"]), "\(options)")
            for (i, expected) in (item["scores"]?.arrayValue ?? []).enumerated() {
                guard let value = expected.doubleValue else { continue }
                #expect(abs(Double(warped[i]) - value) <= 1e-6 * max(1, abs(value)), "\(options): score \(i)")
            }
        }
    }

    @Test func theSameSeedGivesTheSameTokens() throws {
        let transformer = try ModelLoader.load(Fixtures.model("lam-gqa")).model.transformer()
        let prompt = Self.ids(Self.entry("lam-gqa")?["input_ids"])
        func sample(_ options: SamplingOptions) throws -> [Int] {
            try Generation.generate(transformer, inputIDs: prompt, maxNewTokens: 24, sampling: options, eos: []).ids
        }
        let options = SamplingOptions(temperature: 1.3, topK: 50, topP: 0.95, seed: 7)
        let first = try sample(options)
        #expect(first.count == 24)
        #expect(try sample(options) == first)
        var other = options
        other.seed = 8
        #expect(try sample(other) != first)
        // Top-k 1 (or a tiny top-p) leaves only the argmax: sampling is then greedy, whatever the seed.
        let greedy = try sample(SamplingOptions())
        #expect(try sample(SamplingOptions(temperature: 0.9, topK: 1, seed: 3)) == greedy)
        #expect(try sample(SamplingOptions(temperature: 0.9, topP: 1e-6, seed: 4)) == greedy)
        // A temperature so small that logits overflow to infinity still picks the largest.
        #expect(try sample(SamplingOptions(temperature: 1e-40, seed: 5)) == greedy)
    }

    @Test func badSamplingSettingsAreRefused() {
        for (options, message) in [
            (SamplingOptions(temperature: -0.5), "--temperature must be a finite number ≥ 0 (got -0.5); 0 is greedy"),
            (SamplingOptions(temperature: .nan), "--temperature must be a finite number ≥ 0 (got nan); 0 is greedy"),
            (SamplingOptions(temperature: 1, topK: 0), "--top-k must be at least 1 (got 0)"),
            (SamplingOptions(temperature: 1, topP: 0), "--top-p must be in (0, 1] (got 0.0)"),
            (SamplingOptions(temperature: 1, topP: 1.5), "--top-p must be in (0, 1] (got 1.5)"),
        ] {
            #expect(throws: TLError.usage(message)) { try options.validate() }
        }
    }

    /// Generation stops (with a flag saying why) when a learned-position model's n_ctx is used up.
    @Test func generationStopsAtTheContext() throws {
        let transformer = try ModelLoader.load(Fixtures.model("gpt2")).model.transformer()
        let context = transformer.config.nCtx
        let (ids, stopped) = try Generation.generate(transformer, inputIDs: Array(repeating: 5, count: context - 3),
                                                     maxNewTokens: 10, sampling: SamplingOptions(), eos: [])
        #expect(ids.count == 4)
        #expect(stopped)
    }
}
