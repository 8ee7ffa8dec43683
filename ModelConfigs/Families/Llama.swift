import TLCore
import TLModel

extension ArchitectureModule {
    /// LLaMA (1, 2, 3, and the many checkpoints that reuse `LlamaForCausalLM`): grouped-query
    /// attention when `num_key_value_heads` < heads, rotary on halves, SwiGLU, RMSNorm.
    /// Unlike TransformerLens 2.16.1 (which hard-codes it per official model and ignores it
    /// for any other checkpoint), `rope_theta` and Llama 3 `rope_scaling` are read.
    public static let llama = ArchitectureModule(
        family: "LLaMA",
        architectures: ["LlamaForCausalLM", "LlamaModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "LlamaTokenizer"),
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init())
            c.nKeyValueHeads = try hf.groupedKVHeads(heads: c.nHeads)
            try hf.applyRopeScaling(to: &c)
            try hf.require("attention_bias", is: false, default: false, "biased attention projections")
            try hf.require("mlp_bias", is: false, default: false, "biased MLP projections")
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases
            + LlamaStyle.gatedMLP + LlamaStyle.unembed)
}
