import TLCore
import TLModel

extension ArchitectureModule {
    /// GPT-J: parallel attention and MLP reading one shared LayerNorm (TransformerLens
    /// stores it as both ln1 and ln2), rotary on adjacent pairs of the first `rotary_dim`
    /// dimensions, no attention biases, and a biased `lm_head`.
    public static let gptJ = ArchitectureModule(
        family: "GPT-J",
        architectures: ["GPTJForCausalLM"],
        prefixes: ["transformer."],
        buffers: ["h.{l}.attn.bias", "h.{l}.attn.masked_bias", "h.{l}.attn.embed_positions"],
        config: { hf throws(TLError) in
            let m = try hf.int("n_embd", default: 4096), heads = try hf.int("n_head", default: 16)
            var c = CanonicalConfig(nLayers: try hf.int("n_layer", default: 28), dModel: m,
                                    nCtx: try hf.int("n_positions", default: 2048),
                                    dHead: try hf.ratio("n_embd", "n_head", m, heads))
            c.nHeads = heads
            c.dMLP = try hf.optionalInt("n_inner") ?? 4 * m
            // TransformerLens fixes 1e-5; Hugging Face reads the config (1e-5 unless changed).
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 50400)
            c.activation = try hf.activation("activation_function", default: .geluNew)
            c.parallelAttnMLP = true
            c.position = .rotary
            c.rotaryDim = try hf.optionalInt("rotary_dim") ?? c.dHead
            c.rotaryAdjacentPairs = true
            c.norm = .layerNorm
            return c
        },
        tensors: [
            .map("embed.W_E", "wte.weight"),
            .map("blocks.{l}.ln1.w", "h.{l}.ln_1.weight"),
            .map("blocks.{l}.ln1.b", "h.{l}.ln_1.bias"),
            .map("blocks.{l}.ln2.w", "h.{l}.ln_1.weight"),
            .map("blocks.{l}.ln2.b", "h.{l}.ln_1.bias"),
            .map("blocks.{l}.attn.W_Q", "h.{l}.attn.q_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_K", "h.{l}.attn.k_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_V", "h.{l}.attn.v_proj.weight", .rearrange("(n h) m -> n m h")),
            .zeros("blocks.{l}.attn.b_Q"),
            .zeros("blocks.{l}.attn.b_K"),
            .zeros("blocks.{l}.attn.b_V"),
            .map("blocks.{l}.attn.W_O", "h.{l}.attn.out_proj.weight", .rearrange("m (n h) -> n h m")),
            .zeros("blocks.{l}.attn.b_O"),
            .map("blocks.{l}.mlp.W_in", "h.{l}.mlp.fc_in.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "h.{l}.mlp.fc_in.bias"),
            .map("blocks.{l}.mlp.W_out", "h.{l}.mlp.fc_out.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "h.{l}.mlp.fc_out.bias"),
            .map("ln_final.w", "ln_f.weight"),
            .map("ln_final.b", "ln_f.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "wte.weight", .transpose),
            .map("unembed.b_U", "lm_head.bias"),
        ])
}
