import Testing
import TLCore
import TLFormats
import TLModel
@testable import ModelConfigs

/// Config readings beyond the fixtures: the places where we read Hugging Face configs
/// differently from TransformerLens 2.16.1 on purpose, and options we refuse.
struct ConfigDerivationTests {
    static func config(_ json: String) throws -> CanonicalConfig {
        let hf = try HFConfig(json: try JSONParser.parse(json, path: "config.json"), path: "config.json")
        return try ArchitectureRegistry.module(for: hf).canonicalConfig(from: hf, modelID: "org/some-model")
    }

    static let llama = #""architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 100"#

    @Test func llamaReadsRopeThetaAndLlama3Scaling() throws {
        let c = try Self.config(#"{\#(Self.llama), "num_key_value_heads": 2, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}"#)
        #expect(c.rotaryBase == 500000 && c.nKeyValueHeads == 2 && c.dHead == 16)
        #expect(c.useNTKByPartsRope && c.NTKByPartsFactor == 32 && c.NTKOriginalCtxLen == 8192)
        #expect(c.modelName == "some-model" && c.tokenizerName == "org/some-model")
        // Equal K/V and query heads: not grouped (TransformerLens names them W_K, not _W_K).
        #expect(try Self.config(#"{\#(Self.llama), "num_key_value_heads": 4}"#).nKeyValueHeads == nil)
    }

    @Test func linearRopeScalingIsNTKByPartsScalingEveryFrequency() throws {
        // Gemma 3 4B+ (global layers): every inverse frequency divided by the factor. With an original
        // context of one position every wavelength (≥ 2π) lies beyond the low-frequency bound.
        let c = try Self.config(#"{\#(Self.llama), "rope_scaling": {"rope_type": "linear", "factor": 8.0}}"#)
        #expect(c.useNTKByPartsRope && c.NTKByPartsFactor == 8 && c.NTKOriginalCtxLen == 1)
        #expect(c.NTKByPartsLowFreqFactor == 1 && c.NTKByPartsHighFreqFactor == 2)
    }

    @Test func refusesWhatTransformerLensCannotExpress() {
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.llama), "rope_scaling": {"type": "dynamic", "factor": 2.0}}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.llama), "attention_bias": true}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.llama), "hidden_act": "quick_gelu"}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.llama), "num_key_value_heads": 3}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.llama), "hidden_size": "64"}"#) }
        #expect(throws: TLError.self) {  // hostile sizes must not overflow the parameter count
            try Self.config(#"{\#(Self.llama), "hidden_size": 4611686018427387904, "num_attention_heads": 1}"#)
        }
        #expect(throws: TLError.self) {
            try Self.config(#"{"architectures": ["OPTForCausalLM"], "do_layer_norm_before": false}"#)
        }
    }

    @Test func slidingWindowsFollowTheConfig() throws {
        let base = #""architectures": ["MistralForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 3, "intermediate_size": 128, "vocab_size": 100"#
        let off = try Self.config(#"{\#(base), "sliding_window": null}"#)
        #expect(!off.useLocalAttn && off.windowSize == nil)
        let on = try Self.config(#"{\#(base), "sliding_window": 16}"#)
        #expect(on.useLocalAttn && on.windowSize == 16 && on.attnTypes == [.local, .local, .local])
        #expect(try Self.config(#"{\#(base)}"#).windowSize == 4096)  // MistralConfig's default
        #expect(on.nCtx == 2048)  // TransformerLens's cap
    }

    @Test func gptNeoExpandsAttentionTypes() throws {
        let c = try Self.config(#"{"architectures": ["GPTNeoForCausalLM"], "hidden_size": 32, "num_heads": 4, "num_layers": 4, "attention_types": [[["global", "local"], 2]], "window_size": 8}"#)
        #expect(c.attnTypes == [.global, .local, .global, .local] && c.windowSize == 8)
        #expect(!c.useAttnScale && c.dMLP == 128)
    }

    @Test func partialRotaryAndDerivedFields() throws {
        let neox = try Self.config(#"{"architectures": ["GPTNeoXForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "intermediate_size": 256, "rotary_pct": 0.25, "vocab_size": 50}"#)
        #expect(neox.rotaryDim == 4 && neox.parallelAttnMLP && neox.position == .rotary)
        #expect(neox.attnScale == 4 && neox.dVocabOut == 50 && neox.nParams == 1 * 64 * 16 * 4 * 4 + 64 * 256 * 2)
        let bloom = try Self.config(#"{"architectures": ["BloomForCausalLM"], "n_embed": 48, "n_head": 6, "n_layer": 1, "vocab_size": 30}"#)
        #expect(bloom.dModel == 48 && bloom.dHead == 8 && bloom.position == .alibi && !bloom.defaultPrependBOS)
    }
}
