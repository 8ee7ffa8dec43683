import TLCore
import TLModel

extension ArchitectureModule {
    /// Qwen2 (and Qwen1.5): LLaMA's block with biased Q/K/V projections; K/V always
    /// stored grouped. Qwen tokenizers add no BOS, so TransformerLens prepends none.
    public static let qwen2 = ArchitectureModule(
        family: "Qwen2",
        architectures: ["Qwen2ForCausalLM", "Qwen2Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(context: 32768, mlp: 22016, vocab: 151936))
            c.nCtx = 2048  // TransformerLens's cap
            c.dHead = try hf.ratio("hidden_size", "num_attention_heads", c.dModel, c.nHeads)
            c.rotaryDim = c.dHead
            c.nKeyValueHeads = try hf.int("num_key_value_heads", default: c.nHeads)
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            c.tokenizerPrependsBOS = true
            c.defaultPrependBOS = false
            try hf.require("use_sliding_window", is: false, default: false, "sliding-window layers")
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + [
            .map("blocks.{l}.attn.b_Q", "layers.{l}.self_attn.q_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.{kv}b_K", "layers.{l}.self_attn.k_proj.bias", .rearrange("(g h) -> g h")),
            .map("blocks.{l}.attn.{kv}b_V", "layers.{l}.self_attn.v_proj.bias", .rearrange("(g h) -> g h")),
        ] + LlamaStyle.gatedMLP + LlamaStyle.unembed)
}
