import Foundation
import Testing
import TLCore
import TLFormats
import TLModel
@testable import ModelConfigs
import TLTestSupport

/// Every family's config derivation and canonical layout against TransformerLens
/// 2.16.1's own `cfg.to_dict()` and `named_parameters()` for the fixture models.
struct ArchitectureTests {
    /// HookedTransformerConfig fields that decide the architecture (what the forward pass,
    /// the layout and the processing read). Identity fields (`model_name`, `tokenizer_name`,
    /// `device`) and the tokenizer-derived `tokenizer_prepends_bos` are not among them.
    static let architectureFields = [
        "n_layers", "d_model", "n_ctx", "d_head", "n_heads", "d_mlp", "act_fn", "d_vocab", "d_vocab_out", "eps",
        "use_attn_scale", "attn_scale", "use_qk_norm", "use_local_attn", "window_size", "attn_types",
        "original_architecture", "init_mode", "normalization_type", "attention_dir", "attn_only",
        "scale_attn_by_inverse_layer_idx", "positional_embedding_type", "final_rms", "parallel_attn_mlp",
        "rotary_dim", "gated_mlp", "default_prepend_bos", "dtype", "n_key_value_heads", "post_embedding_ln",
        "rotary_base", "rotary_adjacent_pairs", "num_experts", "experts_per_token", "tie_word_embeddings",
        "use_normalization_before_and_after", "attn_scores_soft_cap", "output_logits_soft_cap",
        "use_NTK_by_parts_rope", "NTK_by_parts_low_freq_factor", "NTK_by_parts_high_freq_factor",
        "NTK_by_parts_factor", "NTK_original_ctx_len", "n_params", "initializer_range", "init_weights",
        "from_checkpoint", "n_devices", "load_in_4bit", "ungroup_grouped_query_attention", "clip_qkv", "rotary_base_local",
    ]

    static func canonicalConfig(_ name: String) throws -> CanonicalConfig {
        // A multimodal wrapper's config is its language model's (`text_config`).
        let hf = try HFConfig(path: Fixtures.model(name) + "/config.json").languageModel()
        return try ArchitectureRegistry.module(for: hf).canonicalConfig(from: hf, modelID: Fixtures.model(name))
    }

    static func encoded(_ config: CanonicalConfig) throws -> JSONValue {
        let data = try JSONEncoder().encode(config)
        return try data.withUnsafeBytes { try JSONParser.parse($0, path: "encoded") }
    }

    @Test(arguments: Fixtures.withTLReferences)
    func configMatchesTransformerLens(_ fixture: FixtureCase) throws {
        let ours = try Self.encoded(try Self.canonicalConfig(fixture.name))
        let theirs = try JSONParser.parseFile(Fixtures.reference(fixture.name, "raw") + ".cfg.json")
        for field in Self.architectureFields {
            var expected = theirs[field] ?? .null
            if let right = fixture.tlWrongConfig[field] { expected = right }
            // TL writes 32 "global" entries for any Mixtral; only used when attention is local.
            if field == "attn_types", theirs["use_local_attn"]?.boolValue == false,
               let n = ours["n_layers"]?.intValue, let kinds = ours[field]?.arrayValue {
                #expect(kinds.count == n, "\(fixture): attn_types has one entry per layer")
                continue
            }
            #expect((ours[field] ?? .null) == expected, "\(fixture): \(field) is \(ours[field] ?? .null), TransformerLens \(expected)")
        }
    }

    @Test(arguments: Fixtures.withTLReferences)
    func layoutMatchesTransformerLensParameters(_ fixture: FixtureCase) throws {
        let reference = try SafeTensorsFile(path: Fixtures.reference(fixture.name, "raw") + ".safetensors")
        let theirs = Dictionary(uniqueKeysWithValues: reference.tensorInfos.map { ($0.name, $0.shape) })
        // From TransformerLens's own config, and from ours: the same parameter set.
        let tlConfig = try Fixtures.referenceConfig(fixture.name, "raw")
        for config in [tlConfig, try Self.canonicalConfig(fixture.name)] {
            let ours = CanonicalLayout.parameters(for: config)
            #expect(Set(ours.map(\.name)).count == ours.count)
            #expect(Dictionary(uniqueKeysWithValues: ours.map { ($0.name, $0.shape) }) == theirs, "\(fixture)")
            #expect(ours.allSatisfy { $0.dtype == .f32 })
        }
    }

    @Test func layoutIsInGroupOrder() throws {
        let config = try Self.canonicalConfig("lam-gqa")
        let groups = CanonicalLayout.parameters(for: config).compactMap { WeightGroup(parameter: $0.name) }
        #expect(groups == groups.sorted())
        #expect(groups.first == .embed && groups.last == .unembed)
        #expect(CanonicalLayout.parameters(for: config).contains { $0.name == "blocks.0.attn._W_K" })
    }

    @Test func foldedNormsHaveNoWeights() throws {
        var config = try Self.canonicalConfig("gpt2")
        config.norm = .layerNormPre
        let names = CanonicalLayout.parameters(for: config).map(\.name)
        #expect(!names.contains { $0.contains("ln1") || $0.contains("ln2") || $0.hasPrefix("ln_final") })
        var gemma2 = try Self.canonicalConfig("gem2")
        gemma2.norm = .rmsPre
        let gemmaNames = CanonicalLayout.parameters(for: gemma2).map(\.name)
        #expect(gemmaNames.contains("blocks.0.ln1_post.w") && !gemmaNames.contains("blocks.0.ln1.w"))
    }

    @Test func gemmaConfigsFollowTheirHuggingFaceConfig() throws {
        let gem = try Self.canonicalConfig("gem")
        #expect(gem.norm == .rms && gem.gatedMLP && gem.nKeyValueHeads != nil)
        let gem2 = try Self.canonicalConfig("gem2")
        // The fixture's config.json: attn_logit_softcapping 2.0, final_logit_softcapping 3.0,
        // query_pre_attn_scalar 12 (not d_head 8): TransformerLens's attn_scale is √12.
        #expect(gem2.useNormalizationBeforeAndAfter)
        #expect(gem2.attnScoresSoftCap == 2.0)
        #expect(gem2.outputLogitsSoftCap == 3.0)
        #expect(gem2.attnScale == 12.0.squareRoot())
        #expect(gem2.attnTypes?.first == .local)  // Hugging Face: layer 0 slides
    }

    @Test func unknownArchitectureListsTheSupportedOnes() throws {
        let hf = try HFConfig(json: try JSONParser.parse(#"{"architectures": ["BartForConditionalGeneration"]}"#, path: "config.json"),
                              path: "config.json")
        #expect(throws: TLError.self) { try ArchitectureRegistry.module(for: hf) }
        do {
            _ = try ArchitectureRegistry.module(for: hf)
        } catch {
            #expect(error.description.contains("BartForConditionalGeneration"))
            #expect(error.description.contains("GPT2LMHeadModel") && error.description.contains("Gemma2ForCausalLM"))
        }
        #expect(Set(ArchitectureRegistry.architectures).count == ArchitectureRegistry.architectures.count)
    }
}
