import Testing
import TLCore
import TLFormats
import TLModel
@testable import ModelConfigs

/// Apertus, Qwen (v1) and SantaCoder config readings beyond their fixtures: defaults the Hub
/// configs rely on, and what TransformerLens's layout cannot express.
struct SmallFamilyConfigTests {
    static func config(_ json: String) throws -> CanonicalConfig {
        try ConfigDerivationTests.config(json)
    }

    static let apertus = #""architectures": ["ApertusForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 100"#
    static let qwen = #""architectures": ["QWenLMHeadModel"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 256, "vocab_size": 100, "kv_channels": 16"#
    static let santa = #""architectures": ["GPT2LMHeadCustomModel"], "n_embd": 64, "n_head": 4, "n_layer": 2, "n_positions": 128, "vocab_size": 100, "attention_head_type": "multiquery""#

    @Test func apertusUsesXIELUAndItsDefaultRopeScaling() throws {
        let c = try Self.config("{\(Self.apertus)}")
        #expect(c.activation == .xielu && !c.gatedMLP && c.useQKNorm && c.finalRMS)
        // ApertusConfig's default rope_scaling (llama3, factor 8 over 8192 positions) when the key is absent.
        #expect(c.useNTKByPartsRope && c.NTKByPartsFactor == 8 && c.NTKOriginalCtxLen == 8192 && c.rotaryBase == 12_000_000)
        #expect(try !Self.config(#"{\#(Self.apertus), "rope_scaling": null}"#).useNTKByPartsRope)
        // q and k are normalised whatever `qk_norm` says (transformers always applies q_norm, k_norm).
        #expect(try Self.config(#"{\#(Self.apertus), "qk_norm": false}"#).useQKNorm)
        let names = CanonicalLayout.parameters(for: c).map(\.name)
        #expect(names.contains("blocks.1.mlp.act_fn.alpha_p") && names.contains("blocks.1.mlp.act_fn.alpha_n"))
        #expect(!names.contains { $0.hasSuffix("act_fn.beta") })  // a buffer
    }

    @Test func qwenV1FollowsTransformerLens() throws {
        let c = try Self.config("{\(Self.qwen)}")
        #expect(c.dMLP == 128 && c.nCtx == 2048 && c.rotaryDim == 16 && c.rotaryBase == 10000)
        #expect(c.gatedMLP && c.tokenizerPrependsBOS == true && c.defaultPrependBOS == false)
        #expect(try Self.config(#"{\#(Self.qwen), "rotary_pct": 0.5}"#).rotaryDim == 8)
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.qwen), "no_bias": false}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.qwen), "kv_channels": 8}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.qwen), "intermediate_size": 255}"#) }
    }

    @Test func santaCoderRepeatsItsOneKeyValueHead() throws {
        let c = try Self.config("{\(Self.santa)}")
        #expect(c.nKeyValueHeads == nil && c.dMLP == 256 && c.activation == .geluFast)
        let shapes = Dictionary(uniqueKeysWithValues: CanonicalLayout.parameters(for: c).map { ($0.name, $0.shape) })
        #expect(shapes["blocks.0.attn.W_K"] == [4, 64, 16] && shapes["blocks.0.attn.b_V"] == [4, 16])
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.santa), "attention_head_type": "multihead"}"#) }
        #expect(throws: TLError.self) { try Self.config(#"{\#(Self.santa), "scale_attn_weights": false}"#) }
    }
}
