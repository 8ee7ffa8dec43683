import Foundation
import Testing
import TLCore
import TLModel
@testable import ModelConfigs

/// GPT-OSS's config beyond the fixture: the config class's defaults (YaRN when `rope_scaling`
/// is not written, the sliding/full alternation), what it maps, and what is refused.
struct GptOssConfigTests {
    static func config(_ extra: String = "") throws -> CanonicalConfig {
        try ConfigDerivationTests.config(#"{"architectures": ["GptOssForCausalLM"], "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "num_hidden_layers": 4, "intermediate_size": 16, "num_local_experts": 4, "num_experts_per_tok": 2, "vocab_size": 100\#(extra)}"#)
    }

    @Test func followsTheConfigClassDefaults() throws {
        let c = try Self.config()
        // GptOssConfig's rope_scaling default: YaRN factor 32, beta 32/1, truncate false, original context 4096.
        var yarn = YarnRope(factor: 32, attentionFactor: 0.1 * log(32.0) + 1)
        (yarn.truncate, yarn.originalContext) = (false, 4096)
        #expect(c.yarn == yarn && c.rotaryBase == 150_000 && c.useAttentionSinks)
        #expect(c.attnTypes == [.local, .global, .local, .global] && c.windowSize == 128 && c.useLocalAttn)
        #expect(c.nKeyValueHeads == 2 && c.dHead == 16 && c.expertKind == .gptOss && c.finalRMS && c.norm == .rms)
        #expect(try Self.config(#", "rope_scaling": null"#).yarn == nil)
    }

    @Test func layoutHasSinksAndBiasedExperts() throws {
        let shapes = Dictionary(uniqueKeysWithValues: CanonicalLayout.parameters(for: try Self.config()).map { ($0.name, $0.shape) })
        #expect(shapes["blocks.0.attn.sinks"] == [4])
        #expect(shapes["blocks.0.mlp.W_gate.bias"] == [4] && shapes["blocks.0.mlp.W_gate.weight"] == [4, 32])
        #expect(shapes["blocks.0.mlp.experts.3.W_gate.bias"] == [16] && shapes["blocks.0.mlp.experts.3.W_in.bias"] == [16])
        #expect(shapes["blocks.0.mlp.experts.3.W_out.bias"] == [32] && shapes["blocks.0.mlp.experts.3.W_out.weight"] == [32, 16])
        // Other families' configs are untouched: no sinks, unbiased experts.
        let mixtral = try ConfigDerivationTests.config(#"{"architectures": ["MixtralForCausalLM"], "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1, "intermediate_size": 16, "num_local_experts": 4, "vocab_size": 100}"#)
        let names = Set(CanonicalLayout.parameters(for: mixtral).map(\.name))
        #expect(!names.contains("blocks.0.attn.sinks") && !names.contains("blocks.0.mlp.experts.0.W_in.bias"))
    }

    @Test func sinksAndYarnRoundTripThroughConfigJSON() throws {
        let c = try Self.config()
        let decoded = try JSONDecoder().decode(CanonicalConfig.self, from: try JSONEncoder().encode(c))
        #expect(decoded == c)
        // Written only when set: another model's config has none of the 3.x fields.
        let llama = try ConfigDerivationTests.config("{" + ConfigDerivationTests.llama + "}")
        let text = String(decoding: try JSONEncoder().encode(llama), as: UTF8.self)
        #expect(!text.contains("use_attention_sinks") && !text.contains("yarn"))
    }

    @Test func refusesWhatItCannotConvert() {
        #expect(throws: TLError.self) { try Self.config(#", "quantization_config": {"quant_method": "bitsandbytes"}"#) }
        // MXFP4 experts are dequantized by the converter (GptOssMxfp4Tests).
        #expect(throws: Never.self) { try Self.config(#", "quantization_config": {"quant_method": "mxfp4"}"#) }
        #expect(throws: TLError.self) { try Self.config(#", "rope_scaling": {"rope_type": "longrope", "factor": 4.0}"#) }
        #expect(throws: TLError.self) { try Self.config(#", "layer_types": ["sliding_attention"]"#) }
        #expect(throws: TLError.self) { try Self.config(#", "num_experts_per_tok": 5"#) }
    }
}
