import TLCore
import TLModel

extension ArchitectureModule {
    /// OLMo (the first): LLaMA's layout with LayerNorms that have neither weight nor bias
    /// (eps fixed at 1e-5) and an optional `clip_qkv` clamp of Q, K and V. As TransformerLens
    /// 3.x does, the norms are LayerNorms with unit weights and zero biases, so `fold_ln`
    /// makes the model LNPre exactly.
    public static let olmo = ArchitectureModule(
        family: "OLMo",
        architectures: ["OlmoForCausalLM", "OlmoModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "GPT2Tokenizer"),
        config: { hf throws(TLError) in
            var c = try OlmoStyle.releasedConfig(hf)
            c.norm = .layerNorm
            c.eps = 1e-5  // OlmoLayerNorm's, whatever the config says
            c.clipQKV = try OlmoStyle.clip(hf)
            return c
        },
        tensors: LlamaStyle.embed + [
            .ones("blocks.{l}.ln1.w"), .zeros("blocks.{l}.ln1.b"),
            .ones("blocks.{l}.ln2.w"), .zeros("blocks.{l}.ln2.b"),
        ] + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + LlamaStyle.gatedMLP + [
            .ones("ln_final.w"), .zeros("ln_final.b"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
