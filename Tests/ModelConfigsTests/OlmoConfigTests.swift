import Foundation
import Testing
import TLCore
import TLModel
@testable import ModelConfigs

/// The OLMo families' configs beyond the fixtures: the flags their architecture implies, the
/// transformers 5 rope layout, and what is refused.
struct OlmoConfigTests {
    static func config(_ architecture: String, _ extra: String = "") throws -> CanonicalConfig {
        try ConfigDerivationTests.config(#"{"architectures": ["\#(architecture)"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 4, "intermediate_size": 128, "vocab_size": 100\#(extra)}"#)
    }

    @Test func flagsFollowTheArchitecture() throws {
        let olmo = try Self.config("OlmoForCausalLM", #", "clip_qkv": 8.0"#)
        #expect(olmo.norm == .layerNorm && olmo.eps == 1e-5 && olmo.clipQKV == 8 && olmo.normPlacement == .before)
        #expect(olmo.qkNormScope == nil)
        let olmo2 = try Self.config("Olmo2ForCausalLM")
        #expect(olmo2.norm == .rms && olmo2.normPlacement == .after && olmo2.qkNormScope == .wholeProjection)
        #expect(olmo2.clipQKV == nil && olmo2.nKeyValueHeads == nil && !olmo2.finalRMS)
        let olmo3 = try Self.config("Olmo3ForCausalLM", #", "num_key_value_heads": 4, "sliding_window": 16"#)
        #expect(olmo3.normPlacement == .after && olmo3.nKeyValueHeads == 4)  // named _W_K even when not grouped
        #expect(olmo3.attnTypes == [.local, .local, .local, .global] && olmo3.windowSize == 16 && olmo3.useLocalAttn)
        let olmoe = try Self.config("OlmoeForCausalLM", #", "num_experts": 8, "num_experts_per_tok": 2"#)
        #expect(olmoe.normPlacement == .before && olmoe.qkNormScope == .wholeProjection)
        #expect(olmoe.normTopKProb == false && !olmoe.renormalisesTopK && olmoe.numExperts == 8)
        #expect(try Self.config("OlmoeForCausalLM", #", "norm_topk_prob": true"#).renormalisesTopK)
    }

    @Test func layoutWidensWholeProjectionNorms() throws {
        let olmo3 = try Self.config("Olmo3ForCausalLM", #", "num_key_value_heads": 2"#)
        let shapes = Dictionary(uniqueKeysWithValues: CanonicalLayout.parameters(for: olmo3).map { ($0.name, $0.shape) })
        #expect(shapes["blocks.0.attn.q_norm.w"] == [64] && shapes["blocks.0.attn.k_norm.w"] == [32])
        #expect(shapes["blocks.0.ln1.w"] == [64] && shapes["blocks.0.ln1_post.w"] == nil)
    }

    @Test func readsTransformers5RopeParameters() throws {
        #expect(try Self.config("Olmo2ForCausalLM", #", "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}"#).rotaryBase == 500000)
        let perType = #", "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 5e5}, "sliding_attention": {"rope_type": "default", "rope_theta": 5e5}}"#
        #expect(try Self.config("Olmo3ForCausalLM", perType).rotaryBase == 500000)
    }

    /// OLMo 3's YaRN on full-attention layers, as transformers 5 (`rope_parameters` per layer type) and
    /// transformers 4 (`rope_scaling`, which OLMo 3 gives its full layers only) write it; a base per type.
    @Test func readsYarnOnFullLayersAndABasePerType() throws {
        let v5 = try Self.config("Olmo3ForCausalLM", #", "rope_parameters": {"full_attention": {"rope_type": "yarn", "rope_theta": 5e5, "factor": 8.0, "original_max_position_embeddings": 8192}, "sliding_attention": {"rope_type": "default", "rope_theta": 5e5}}"#)
        var expected = YarnRope(factor: 8, attentionFactor: 0.1 * log(8.0) + 1)  // transformers' default attention factor
        (expected.originalContext, expected.globalOnly) = (8192, true)
        #expect(v5.yarn == expected && v5.rotaryBase == 500000 && v5.rotaryBaseLocal == nil)
        let v4 = try Self.config("Olmo3ForCausalLM", #", "rope_theta": 5e5, "rope_scaling": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192, "attention_factor": 1.5, "beta_fast": 16, "beta_slow": 2, "truncate": false}"#)
        (expected.attentionFactor, expected.betaFast, expected.betaSlow, expected.truncate) = (1.5, 16, 2, false)
        #expect(v4.yarn == expected)
        let twoBases = #", "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 5e5}, "sliding_attention": {"rope_type": "default", "rope_theta": 1e4}}"#
        let local = try Self.config("Olmo3ForCausalLM", twoBases)
        #expect(local.rotaryBase == 500000 && local.rotaryBaseLocal == 10000 && local.yarn == nil)
    }

    @Test func refusesWhatItCannotExpress() {
        let slidingYarn = #", "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 5e5}, "sliding_attention": {"rope_type": "yarn", "rope_theta": 5e5, "factor": 8.0}}"#
        #expect(throws: TLError.self) { try Self.config("Olmo3ForCausalLM", slidingYarn) }
        #expect(throws: TLError.self) { try Self.config("Olmo3ForCausalLM", #", "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}"#) }
        #expect(throws: TLError.self) { try Self.config("Olmo3ForCausalLM", #", "rope_scaling": {"rope_type": "yarn", "factor": -2.0}"#) }
        #expect(throws: TLError.self) { try Self.config("Olmo2ForCausalLM", #", "rope_scaling": {"rope_type": "yarn", "factor": 8.0}"#) }
        #expect(throws: TLError.self) { try Self.config("OlmoForCausalLM", #", "clip_qkv": -1"#) }
        #expect(throws: TLError.self) { try Self.config("OlmoeForCausalLM", #", "num_experts": 2, "num_experts_per_tok": 3"#) }
    }
}
