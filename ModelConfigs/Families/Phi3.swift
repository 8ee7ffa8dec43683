import TLCore
import TLModel

extension ArchitectureModule {
    /// Phi-3: LLaMA-like, but Q|K|V fused in `qkv_proj` (rows: all query heads, then the
    /// key heads, then the value heads) and gate|up fused in `gate_up_proj`.
    /// TransformerLens 2.16.1 also writes `ln1.b`/`ln2.b` of the vocabulary's size; an
    /// RMSNorm has no bias, so they are not parameters and are not written.
    public static let phi3 = ArchitectureModule(
        family: "Phi-3",
        architectures: ["Phi3ForCausalLM", "Phi3Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "LlamaTokenizer", loadsSlow: true),
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(hiddenSize: 3072, context: 4096, mlp: 8192,
                                                                  vocab: 32064, eps: 1e-5))
            c.dHead = try hf.ratio("hidden_size", "num_attention_heads", c.dModel, c.nHeads)
            c.nKeyValueHeads = try hf.groupedKVHeads(heads: c.nHeads)
            c.finalRMS = false  // as TransformerLens sets it (irrelevant to an RMS model)
            c.rotaryDim = partialRotaryDim(c.dHead, try hf.double("partial_rotary_factor", default: 1))
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            c.trustRemoteCode = true
            try hf.applyUniformSlidingWindow(to: &c)
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + [
            .map("blocks.{l}.attn.W_Q", "layers.{l}.self_attn.qkv_proj.weight",
                 .split(axis: 0, parts: ["n h", "g h", "g h"], take: 0), .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.{kv}W_K", "layers.{l}.self_attn.qkv_proj.weight",
                 .split(axis: 0, parts: ["n h", "g h", "g h"], take: 1), .rearrange("(g h) m -> g m h")),
            .map("blocks.{l}.attn.{kv}W_V", "layers.{l}.self_attn.qkv_proj.weight",
                 .split(axis: 0, parts: ["n h", "g h", "g h"], take: 2), .rearrange("(g h) m -> g m h")),
            .map("blocks.{l}.attn.W_O", "layers.{l}.self_attn.o_proj.weight", .rearrange("m (n h) -> n h m")),
            .zeros("blocks.{l}.attn.b_O"),
        ] + LlamaStyle.zeroQKVBiases + [
            .map("blocks.{l}.mlp.W_gate", "layers.{l}.mlp.gate_up_proj.weight", .split(axis: 0, parts: ["f", "f"], take: 0), .transpose),
            .map("blocks.{l}.mlp.W_in", "layers.{l}.mlp.gate_up_proj.weight", .split(axis: 0, parts: ["f", "f"], take: 1), .transpose),
            .map("blocks.{l}.mlp.W_out", "layers.{l}.mlp.down_proj.weight", .transpose),
            .zeros("blocks.{l}.mlp.b_in"),
            .zeros("blocks.{l}.mlp.b_out"),
        ] + LlamaStyle.unembed)
}
