import TLCore
import TLModel

extension ArchitectureModule {
    /// BLOOM: ALiBi instead of positions, a LayerNorm right after the embedding, and a
    /// fused QKV interleaved per head. TransformerLens still allocates `pos_embed.W_pos`
    /// for ALiBi models without ever reading it (left uninitialised); we write zeros.
    public static let bloom = ArchitectureModule(
        family: "BLOOM",
        architectures: ["BloomForCausalLM", "BloomModel"],
        prefixes: ["transformer."],
        config: { hf throws(TLError) in
            // Older BLOOM configs spell hidden_size `n_embed`.
            let hidden = try hf.int("hidden_size", default: 64)
            let m = try hf.optionalInt("n_embed") ?? hidden
            let heads = try hf.int("n_head", default: 8)
            var c = CanonicalConfig(nLayers: try hf.int("n_layer", default: 2), dModel: m,
                                    nCtx: 2048,  // TransformerLens's cap (BLOOM has no position limit)
                                    dHead: try hf.ratio("hidden_size", "n_head", m, heads))
            c.nHeads = heads
            c.dMLP = 4 * m
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 250880)
            c.activation = .geluFast  // BLOOM's tanh GELU
            c.norm = .layerNorm
            c.postEmbeddingLN = true
            c.position = .alibi
            c.defaultPrependBOS = false
            try hf.require("apply_residual_connection_post_layernorm", is: false, default: false,
                           "residuals taken after the norm")
            return c
        },
        tensors: [
            .map("embed.W_E", "word_embeddings.weight"),
            .map("embed.ln.w", "word_embeddings_layernorm.weight"),
            .map("embed.ln.b", "word_embeddings_layernorm.bias"),
            .zeros("pos_embed.W_pos"),
            .map("blocks.{l}.ln1.w", "h.{l}.input_layernorm.weight"),
            .map("blocks.{l}.ln1.b", "h.{l}.input_layernorm.bias"),
            .map("blocks.{l}.attn.W_Q", "h.{l}.self_attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.W_K", "h.{l}.self_attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.W_V", "h.{l}.self_attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.b_Q", "h.{l}.self_attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.b_K", "h.{l}.self_attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.b_V", "h.{l}.self_attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.W_O", "h.{l}.self_attention.dense.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "h.{l}.self_attention.dense.bias"),
            .map("blocks.{l}.ln2.w", "h.{l}.post_attention_layernorm.weight"),
            .map("blocks.{l}.ln2.b", "h.{l}.post_attention_layernorm.bias"),
            .map("blocks.{l}.mlp.W_in", "h.{l}.mlp.dense_h_to_4h.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "h.{l}.mlp.dense_h_to_4h.bias"),
            .map("blocks.{l}.mlp.W_out", "h.{l}.mlp.dense_4h_to_h.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "h.{l}.mlp.dense_4h_to_h.bias"),
            .map("ln_final.w", "ln_f.weight"),
            .map("ln_final.b", "ln_f.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "word_embeddings.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
