import TLCore
import TLModel

extension ArchitectureModule {
    /// Qwen3: LLaMA's block with an RMSNorm on each query and key head (`q_norm`,
    /// `k_norm`, over d_head) and a `head_dim` that need not be hidden_size / heads.
    public static let qwen3 = ArchitectureModule(
        family: "Qwen3",
        architectures: ["Qwen3ForCausalLM", "Qwen3Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(context: 32768, mlp: 22016, vocab: 151936, headDim: 128))
            c.nCtx = 2048  // TransformerLens's cap
            c.nKeyValueHeads = try hf.groupedKVHeads(heads: c.nHeads)
            c.useQKNorm = true
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            c.tokenizerPrependsBOS = true
            c.defaultPrependBOS = false
            c.trustRemoteCode = true
            try hf.require("use_sliding_window", is: false, default: false, "sliding-window layers")
            try hf.require("attention_bias", is: false, default: false, "biased attention projections")
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + [
            .map("blocks.{l}.attn.q_norm.w", "layers.{l}.self_attn.q_norm.weight"),
            .map("blocks.{l}.attn.k_norm.w", "layers.{l}.self_attn.k_norm.weight"),
        ] + LlamaStyle.gatedMLP + LlamaStyle.unembed)
}
