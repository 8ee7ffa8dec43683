import TLCore
import TLModel

extension ArchitectureModule {
    /// Phi (1, 1.5, 2): parallel attention and MLP reading one LayerNorm (stored as ln1
    /// and ln2), partial rotary on halves, biased projections and a biased `lm_head`.
    public static let phi = ArchitectureModule(
        family: "Phi",
        architectures: ["PhiForCausalLM", "PhiModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(loadsSlow: true),
        config: { hf throws(TLError) in
            let m = try hf.int("hidden_size", default: 2048), heads = try hf.int("num_attention_heads", default: 32)
            var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: 24), dModel: m,
                                    nCtx: try hf.int("max_position_embeddings", default: 2048),
                                    dHead: try hf.ratio("hidden_size", "num_attention_heads", m, heads))
            c.nHeads = heads
            c.nKeyValueHeads = try hf.groupedKVHeads(heads: heads)
            c.dMLP = try hf.int("intermediate_size", default: 8192)
            c.eps = try hf.double("layer_norm_eps", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 51200)
            c.activation = try hf.activation("hidden_act", default: .geluNew)
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            c.norm = .layerNorm
            c.position = .rotary
            c.rotaryDim = partialRotaryDim(c.dHead, try hf.double("partial_rotary_factor", default: 0.5))
            c.rotaryBase = try hf.double("rope_theta", default: 10000)
            c.trustRemoteCode = true
            c.parallelAttnMLP = true
            try hf.require("qk_layernorm", is: false, default: false, "norms on queries and keys")
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: [
            .map("embed.W_E", "embed_tokens.weight"),
            .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight"),
            .map("blocks.{l}.ln1.b", "layers.{l}.input_layernorm.bias"),
            .map("blocks.{l}.ln2.w", "layers.{l}.input_layernorm.weight"),
            .map("blocks.{l}.ln2.b", "layers.{l}.input_layernorm.bias"),
            .map("blocks.{l}.attn.W_Q", "layers.{l}.self_attn.q_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.{kv}W_K", "layers.{l}.self_attn.k_proj.weight", .rearrange("(g h) m -> g m h")),
            .map("blocks.{l}.attn.{kv}W_V", "layers.{l}.self_attn.v_proj.weight", .rearrange("(g h) m -> g m h")),
            .map("blocks.{l}.attn.b_Q", "layers.{l}.self_attn.q_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.{kv}b_K", "layers.{l}.self_attn.k_proj.bias", .rearrange("(g h) -> g h")),
            .map("blocks.{l}.attn.{kv}b_V", "layers.{l}.self_attn.v_proj.bias", .rearrange("(g h) -> g h")),
            .map("blocks.{l}.attn.W_O", "layers.{l}.self_attn.dense.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "layers.{l}.self_attn.dense.bias"),
            .map("blocks.{l}.mlp.W_in", "layers.{l}.mlp.fc1.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "layers.{l}.mlp.fc1.bias"),
            .map("blocks.{l}.mlp.W_out", "layers.{l}.mlp.fc2.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "layers.{l}.mlp.fc2.bias"),
            .map("ln_final.w", "final_layernorm.weight"),
            .map("ln_final.b", "final_layernorm.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
            .map("unembed.b_U", "lm_head.bias"),
        ])
}
