import TLCore
import TLModel

/// What the Gemma families share on top of `LlamaStyle`: embeddings multiplied by √d_model
/// (TransformerLens bakes it into `W_E`; the tied unembedding stays unscaled), RMSNorms that
/// scale by `1 + w` (TransformerLens stores the sum), and the config fields both read alike.
enum GemmaStyle {
    static let embed: [TensorRule] = [
        .map("embed.W_E", "embed_tokens.weight", .scaleBySqrtDModel),
    ]

    /// Gemma 2 and 3: a norm before and after both attention and the MLP.
    static let prePostNorms: [TensorRule] = [
        .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight", .addOne),
        .map("blocks.{l}.ln1_post.w", "layers.{l}.post_attention_layernorm.weight", .addOne),
        .map("blocks.{l}.ln2.w", "layers.{l}.pre_feedforward_layernorm.weight", .addOne),
        .map("blocks.{l}.ln2_post.w", "layers.{l}.post_feedforward_layernorm.weight", .addOne),
    ]

    static let unembed: [TensorRule] = [
        .map("ln_final.w", "norm.weight", .addOne),
        .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
        .zeros("unembed.b_U"),
    ]

    /// `LlamaStyle.baseConfig` with the activation (read from `activationKey`), the K/V head
    /// count and the initializer range, as both families read them.
    static func baseConfig(_ hf: HFConfig, defaults: LlamaStyle.Defaults, activationKey: String,
                           kvHeads: Int) throws(TLError) -> CanonicalConfig {
        var c = try LlamaStyle.baseConfig(hf, defaults: defaults)
        c.activation = try hf.activation(activationKey, default: .geluPytorchTanh)
        c.nKeyValueHeads = try hf.int("num_key_value_heads", default: kvHeads)
        c.initializerRange = try hf.double("initializer_range", default: 0.02)
        return c
    }

    /// Gemma 2 and 3: norms after attention and MLP too, queries scaled by `query_pre_attn_scalar`,
    /// and the optional tanh soft-caps on attention scores and output logits.
    static func applyNormsAfterAndScaling(_ c: inout CanonicalConfig, _ hf: HFConfig) throws(TLError) {
        c.useNormalizationBeforeAndAfter = true
        c.attnScale = try hf.double("query_pre_attn_scalar", default: 256).squareRoot()
        c.attnScoresSoftCap = try hf.optionalDouble("attn_logit_softcapping") ?? -1
        c.outputLogitsSoftCap = try hf.optionalDouble("final_logit_softcapping") ?? -1
    }

    /// The checks and RoPE scaling every Gemma family ends its config with.
    static func finish(_ c: inout CanonicalConfig, _ hf: HFConfig) throws(TLError) {
        try hf.require("attention_bias", is: false, default: false, "biased attention projections")
        try hf.applyRopeScaling(to: &c)
    }
}
