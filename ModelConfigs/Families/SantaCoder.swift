import TLCore
import TLModel

extension ArchitectureModule {
    /// SantaCoder (`bigcode/santacoder`, remote code `GPT2LMHeadCustomModel`): GPT-2 with multi-query
    /// attention. Queries come from `q_attn` (Conv1D, `[d_model, d_model]`); one key head and one value
    /// head share `kv_attn` (`[d_model, 2·d_head]`, K then V). TransformerLens 2.16.1 repeats that head
    /// for every query head (plain `W_K`/`W_V` of `[n_heads, d_model, d_head]`), and so does this layout.
    public static let santaCoder = ArchitectureModule(
        family: "SantaCoder",
        architectures: ["GPT2LMHeadCustomModel"],
        prefixes: ["transformer."],
        buffers: ["h.{l}.attn.bias", "h.{l}.attn.masked_bias"],
        tokenizer: .init(fallbackClass: "GPT2Tokenizer"),
        config: { hf throws(TLError) in
            let m = try hf.int("n_embd", default: 2048), heads = try hf.int("n_head", default: 16)
            var c = CanonicalConfig(nLayers: try hf.int("n_layer", default: 24), dModel: m,
                                    nCtx: try hf.int("n_positions", default: 2048),
                                    dHead: try hf.ratio("n_embd", "n_head", m, heads))
            c.nHeads = heads
            // TransformerLens takes 4·n_embd; the checkpoint's own width wins when it says otherwise.
            c.dMLP = try hf.optionalInt("n_inner") ?? 4 * m
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 49280)
            c.activation = try hf.activation("activation_function", default: .geluFast)
            c.useAttnScale = true
            c.useLocalAttn = false
            c.scaleAttnByInverseLayerIdx = try hf.bool("scale_attn_by_inverse_layer_idx", default: false)
            c.norm = .layerNorm
            c.trustRemoteCode = true
            try hf.require("scale_attn_weights", is: true, default: true, "unscaled attention")
            let kind = try hf.string("attention_head_type", default: "multiquery")
            guard kind == "multiquery" else {
                throw .unsupported("\(hf.path): attention_head_type '\(kind)' is not supported (SantaCoder is multiquery)")
            }
            return c
        },
        tensors: gpt2Tensors(attention: [
            .map("blocks.{l}.attn.W_Q", "h.{l}.attn.q_attn.weight", .rearrange("m (n h) -> n m h")),
            .map("blocks.{l}.attn.W_K", "h.{l}.attn.kv_attn.weight", .split(axis: 1, parts: ["h", "h"], take: 0),
                 .rearrange("m h -> n m h")),
            .map("blocks.{l}.attn.W_V", "h.{l}.attn.kv_attn.weight", .split(axis: 1, parts: ["h", "h"], take: 1),
                 .rearrange("m h -> n m h")),
            .map("blocks.{l}.attn.b_Q", "h.{l}.attn.q_attn.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.b_K", "h.{l}.attn.kv_attn.bias", .split(axis: 0, parts: ["h", "h"], take: 0),
                 .rearrange("h -> n h")),
            .map("blocks.{l}.attn.b_V", "h.{l}.attn.kv_attn.bias", .split(axis: 0, parts: ["h", "h"], take: 1),
                 .rearrange("h -> n h")),
        ]))
}
