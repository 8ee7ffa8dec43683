import TLCore
import TLModel

extension ArchitectureModule {
    /// OPT: learned positions stored with an offset of 2 (rows 0 and 1 are never
    /// used), separate biased Q/K/V, pre-norm blocks, ReLU MLP.
    public static let opt = ArchitectureModule(
        family: "OPT",
        architectures: ["OPTForCausalLM", "OPTModel"],
        prefixes: ["model.decoder.", "decoder."],
        config: { hf throws(TLError) in
            let m = try hf.int("hidden_size", default: 768), heads = try hf.int("num_attention_heads", default: 12)
            var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: 12), dModel: m,
                                    nCtx: try hf.int("max_position_embeddings", default: 2048),
                                    dHead: try hf.ratio("hidden_size", "num_attention_heads", m, heads))
            c.nHeads = heads
            c.dMLP = try hf.int("ffn_dim", default: 3072)
            c.eps = 1e-5  // OPT's LayerNorms use PyTorch's default
            c.dVocab = try hf.int("vocab_size", default: 50272)
            c.activation = try hf.activation("activation_function", default: .relu)
            c.norm = .layerNorm
            try hf.require("do_layer_norm_before", is: true, default: true, "post-norm blocks")
            try hf.require("_remove_final_layer_norm", is: false, default: false, "no final norm")
            guard try hf.int("word_embed_proj_dim", default: m) == m else {
                throw .unsupported("\(hf.path): 'word_embed_proj_dim' ≠ 'hidden_size' (projected embeddings) has no TransformerLens equivalent")
            }
            return c
        },
        tensors: [
            .map("embed.W_E", "embed_tokens.weight"),
            .map("pos_embed.W_pos", "embed_positions.weight", .dropLeadingRows(2)),
            .map("blocks.{l}.ln1.w", "layers.{l}.self_attn_layer_norm.weight"),
            .map("blocks.{l}.ln1.b", "layers.{l}.self_attn_layer_norm.bias"),
            .map("blocks.{l}.attn.W_Q", "layers.{l}.self_attn.q_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_K", "layers.{l}.self_attn.k_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_V", "layers.{l}.self_attn.v_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.b_Q", "layers.{l}.self_attn.q_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.b_K", "layers.{l}.self_attn.k_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.b_V", "layers.{l}.self_attn.v_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.W_O", "layers.{l}.self_attn.out_proj.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "layers.{l}.self_attn.out_proj.bias"),
            .map("blocks.{l}.ln2.w", "layers.{l}.final_layer_norm.weight"),
            .map("blocks.{l}.ln2.b", "layers.{l}.final_layer_norm.bias"),
            .map("blocks.{l}.mlp.W_in", "layers.{l}.fc1.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "layers.{l}.fc1.bias"),
            .map("blocks.{l}.mlp.W_out", "layers.{l}.fc2.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "layers.{l}.fc2.bias"),
            .map("ln_final.w", "final_layer_norm.weight"),
            .map("ln_final.b", "final_layer_norm.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
