import TLCore
import TLModel

/// Tensor-map pieces the OLMo families share beyond `LlamaStyle`: the RMS norms of the whole
/// query and key projections (OLMo 2/3, OLMoE) and the post-norm pair of OLMo 2/3, which
/// TransformerLens 3.x keeps under the pre-norm names `ln1`/`ln2`.
enum OlmoStyle {
    static let qkNorms: [TensorRule] = [
        .map("blocks.{l}.attn.q_norm.w", "layers.{l}.self_attn.q_norm.weight"),
        .map("blocks.{l}.attn.k_norm.w", "layers.{l}.self_attn.k_norm.weight"),
    ]

    static let postNorms: [TensorRule] = [
        .map("blocks.{l}.ln1.w", "layers.{l}.post_attention_layernorm.weight"),
        .map("blocks.{l}.ln2.w", "layers.{l}.post_feedforward_layernorm.weight"),
    ]

    /// OLMo 2 and 3: LLaMA's attention and MLP, QK norms over the whole projections, RMS norms
    /// after attention and after the MLP only (the norm placement follows from the architecture).
    static let postNormTensors = LlamaStyle.embed + postNorms + LlamaStyle.attentionWeights
        + LlamaStyle.zeroQKVBiases + qkNorms + LlamaStyle.gatedMLP + LlamaStyle.unembed

    /// What transformers' OLMo config classes default to (OLMoE overrides the sizes).
    static let defaults = LlamaStyle.Defaults(mlp: 11008, vocab: 50304, eps: 1e-5)

    /// The fields every OLMo family derives alike: LLaMA's sizes, `final_rms` false (as TransformerLens
    /// 3.x leaves it), one plain rotary base (transformers 4 or 5 layout), no attention biases.
    /// - Parameter perLayerTypeRope: OLMo 3: YaRN on full-attention layers and a base per layer
    ///   type (`rotary_base_local`), as transformers and TransformerLens 3.9 read them.
    static func baseConfig(_ hf: HFConfig, defaults: LlamaStyle.Defaults = defaults,
                           ropeTheta: Double, perLayerTypeRope: Bool = false) throws(TLError) -> CanonicalConfig {
        var c = try LlamaStyle.baseConfig(hf, defaults: defaults)
        c.finalRMS = false
        if perLayerTypeRope {
            let rope = try hf.rotarySettings(defaultTheta: ropeTheta, context: c.nCtx, scope: .fullAttentionLayers, defaultScaling: nil)
            (c.rotaryBase, c.rotaryBaseLocal, c.yarn) = (rope.base, rope.localBase, rope.yarn)
        } else {
            c.rotaryBase = try hf.plainRopeTheta(default: ropeTheta)
        }
        c.initializerRange = try hf.double("initializer_range", default: 0.02)
        try hf.require("attention_bias", is: false, default: false, "biased attention projections")
        return c
    }

    /// OLMo and OLMo 2, whose released configs TransformerLens 3.x writes out by hub name: LLaMA's
    /// fields with every layer global, K/V grouped only when the checkpoint groups them (3.9's
    /// converters assume it does not).
    static func releasedConfig(_ hf: HFConfig) throws(TLError) -> CanonicalConfig {
        var c = try baseConfig(hf, ropeTheta: 10000)
        c.nKeyValueHeads = try hf.groupedKVHeads(heads: c.nHeads)
        c.attnTypes = Array(repeating: .global, count: c.nLayers)
        return c
    }

    /// OLMo 3 and OLMoE as TransformerLens 3.x reads their config.json: `d_head` = hidden / heads,
    /// `n_key_value_heads` always set (so K/V are `_W_K`/`_W_V` even when not grouped), tied
    /// embeddings as the config says.
    static func asConfigured(_ c: inout CanonicalConfig, _ hf: HFConfig) throws(TLError) {
        c.dHead = try hf.ratio("hidden_size", "num_attention_heads", c.dModel, c.nHeads)
        c.rotaryDim = c.dHead
        c.nKeyValueHeads = try hf.int("num_key_value_heads", default: c.nHeads)
        c.tieWordEmbeddings = try hf.bool("tie_word_embeddings", default: false)
    }

    /// `clip_qkv`: a positive bound, or none.
    static func clip(_ hf: HFConfig) throws(TLError) -> Double? {
        guard let clip = try hf.optionalDouble("clip_qkv") else { return nil }
        guard clip > 0 else { throw .badFile(path: hf.path, problem: "'clip_qkv' must be positive, got \(clip)") }
        return clip
    }
}
