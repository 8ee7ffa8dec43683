import TLCore
import TLModel

extension ArchitectureModule {
    /// Gemma 3 (text): Gemma 2's block (norms before and after attention and MLP) with an RMSNorm
    /// (1 + w) on each query and key head instead of soft-caps, sliding-window layers that rotate
    /// with their own base (`rope_local_base_freq`, TransformerLens 2.18's `rotary_base_local`) while
    /// global layers use `rope_theta` and `rope_scaling`, and queries scaled by `query_pre_attn_scalar`.
    /// TransformerLens 2.18 hard-codes these configs by name (context capped at 8192, scale √d_head);
    /// here they are read from config.json, the scale as transformers applies it.
    public static let gemma3 = ArchitectureModule(
        family: "Gemma 3",
        architectures: ["Gemma3ForCausalLM", "Gemma3TextModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tokenizer: .init(fallbackClass: "GemmaTokenizer"),
        config: { hf throws(TLError) in
            var c = try GemmaStyle.baseConfig(hf, defaults: .init(hiddenSize: 2304, heads: 8, layers: 26, context: 131_072,
                                                                  mlp: 9216, vocab: 262_208, ropeTheta: 1_000_000,
                                                                  headDim: 256),
                                              activationKey: "hidden_activation", kvHeads: 4)
            c.nCtx = min(c.nCtx, 8192)  // TransformerLens's "safe default" for every Gemma 3
            try GemmaStyle.applyNormsAfterAndScaling(&c, hf)
            c.useQKNorm = true
            c.rotaryBaseLocal = try hf.double("rope_local_base_freq", default: 10_000)
            // transformers' default pattern: every sixth layer is global.
            let pattern = max(try hf.int("sliding_window_pattern", default: try hf.int("_sliding_window_pattern", default: 6)), 1)
            let layerTypes = try hf.optionalStrings("layer_types")
                ?? (0..<c.nLayers).map { ($0 + 1) % pattern == 0 ? "full_attention" : "sliding_attention" }
            try hf.applyLayerTypes(layerTypes, to: &c, defaultWindow: 4096)
            try hf.require("use_bidirectional_attention", is: false, default: false, "bidirectional attention")
            try GemmaStyle.finish(&c, hf)
            return c
        },
        tensors: GemmaStyle.embed + GemmaStyle.prePostNorms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + [
            .map("blocks.{l}.attn.q_norm.w", "layers.{l}.self_attn.q_norm.weight", .addOne),
            .map("blocks.{l}.attn.k_norm.w", "layers.{l}.self_attn.k_norm.weight", .addOne),
        ] + LlamaStyle.gatedMLP + GemmaStyle.unembed)
}
