import TLCore
import TLModel

extension ArchitectureModule {
    /// Apertus (Swiss AI): LLaMA's attention with an RMSNorm on each query and key head, norms named
    /// `attention_layernorm` / `feedforward_layernorm`, and an ungated MLP whose xIELU activation has
    /// learned coefficients per layer (`mlp.act_fn.alpha_p`, `alpha_n`: stored `[1]`, TransformerLens 2.18
    /// holds scalars). transformers always normalises q and k, while TransformerLens
    /// reads `qk_norm` from config.json (false when absent); tlconvert follows transformers.
    public static let apertus = ArchitectureModule(
        family: "Apertus",
        architectures: ["ApertusForCausalLM", "ApertusModel"],
        prefixes: ["model."],
        // The activation's constants (beta 0.5, eps -1e-6), buffers in transformers and TransformerLens alike.
        buffers: LlamaStyle.buffers + ["layers.{l}.mlp.act_fn.beta", "layers.{l}.mlp.act_fn.eps"],
        tiedEmbeddingsByDefault: false,
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(hiddenSize: 4096, heads: 32, layers: 32, context: 65536,
                                                                  mlp: 14336, vocab: 131_072, eps: 1e-5,
                                                                  ropeTheta: 12_000_000))
            c.activation = try hf.activation("hidden_act", default: .xielu)
            c.gatedMLP = false
            c.nKeyValueHeads = try hf.groupedKVHeads(heads: c.nHeads)
            c.useQKNorm = true
            try hf.require("attention_bias", is: false, default: false, "biased attention projections")
            if hf.isWritten("rope_scaling") {
                try hf.applyRopeScaling(to: &c)
            } else {
                // ApertusConfig's default when config.json says nothing: Llama 3 scaling.
                c.useNTKByPartsRope = true
                c.NTKByPartsFactor = 8
                c.NTKByPartsLowFreqFactor = 1
                c.NTKByPartsHighFreqFactor = 4
                c.NTKOriginalCtxLen = 8192
            }
            return c
        },
        tensors: LlamaStyle.embed + [
            .map("blocks.{l}.ln1.w", "layers.{l}.attention_layernorm.weight"),
            .map("blocks.{l}.ln2.w", "layers.{l}.feedforward_layernorm.weight"),
        ] + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + [
            .map("blocks.{l}.attn.q_norm.w", "layers.{l}.self_attn.q_norm.weight"),
            .map("blocks.{l}.attn.k_norm.w", "layers.{l}.self_attn.k_norm.weight"),
            .map("blocks.{l}.mlp.W_in", "layers.{l}.mlp.up_proj.weight", .transpose),
            .map("blocks.{l}.mlp.W_out", "layers.{l}.mlp.down_proj.weight", .transpose),
            .zeros("blocks.{l}.mlp.b_in"),
            .zeros("blocks.{l}.mlp.b_out"),
            .map("blocks.{l}.mlp.act_fn.alpha_p", "layers.{l}.mlp.act_fn.alpha_p", .rearrange("one -> ", select: ["one": 0])),
            .map("blocks.{l}.mlp.act_fn.alpha_n", "layers.{l}.mlp.act_fn.alpha_n", .rearrange("one -> ", select: ["one": 0])),
        ] + LlamaStyle.unembed)
}
