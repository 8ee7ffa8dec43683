import TLCore
import TLModel

extension ArchitectureModule {
    /// GPT-2. Q, K and V come fused in one Conv1D (`c_attn`, `[d_model, 3·d_model]`, Q|K|V
    /// along the columns); Conv1D weights are already `[in, out]`. Hub files saved from
    /// `GPT2Model` lack the `transformer.` prefix and `lm_head` (tied to `wte`).
    public static let gpt2 = ArchitectureModule(
        family: "GPT-2",
        architectures: ["GPT2LMHeadModel", "GPT2Model"],
        prefixes: ["transformer."],
        buffers: ["h.{l}.attn.bias", "h.{l}.attn.masked_bias"],
        tokenizer: .init(fallbackClass: "GPT2Tokenizer"),
        config: { hf throws(TLError) in
            let m = try hf.int("n_embd", default: 768), heads = try hf.int("n_head", default: 12)
            var c = CanonicalConfig(nLayers: try hf.int("n_layer", default: 12), dModel: m,
                                    nCtx: try hf.int("n_ctx", default: try hf.int("n_positions", default: 1024)),
                                    dHead: try hf.ratio("n_embd", "n_head", m, heads))
            c.nHeads = heads
            c.dMLP = try hf.optionalInt("n_inner") ?? 4 * m
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 50257)
            c.activation = try hf.activation("activation_function", default: .geluNew)
            c.useAttnScale = try hf.bool("scale_attn_weights", default: true)
            c.scaleAttnByInverseLayerIdx = try hf.bool("scale_attn_by_inverse_layer_idx", default: false)
            c.norm = .layerNorm
            return c
        },
        tensors: gpt2Tensors(attention: [
            .map("blocks.{l}.attn.W_Q", "h.{l}.attn.c_attn.weight", .rearrange("m (qkv n h) -> n m h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.W_K", "h.{l}.attn.c_attn.weight", .rearrange("m (qkv n h) -> n m h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.W_V", "h.{l}.attn.c_attn.weight", .rearrange("m (qkv n h) -> n m h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.b_Q", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.b_K", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.b_V", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 2])),
        ]))

    /// GPT-2's tensor map around the query/key/value projections, which `attention` supplies
    /// (fused `c_attn` in GPT-2; SantaCoder's multi-query `q_attn` + `kv_attn`).
    static func gpt2Tensors(attention: [TensorRule]) -> [TensorRule] {
        [
            .map("embed.W_E", "wte.weight"),
            .map("pos_embed.W_pos", "wpe.weight"),
            .map("blocks.{l}.ln1.w", "h.{l}.ln_1.weight"),
            .map("blocks.{l}.ln1.b", "h.{l}.ln_1.bias"),
        ] + attention + [
            .map("blocks.{l}.attn.W_O", "h.{l}.attn.c_proj.weight", .rearrange("(n h) m -> n h m")),
            .map("blocks.{l}.attn.b_O", "h.{l}.attn.c_proj.bias"),
            .map("blocks.{l}.ln2.w", "h.{l}.ln_2.weight"),
            .map("blocks.{l}.ln2.b", "h.{l}.ln_2.bias"),
            .map("blocks.{l}.mlp.W_in", "h.{l}.mlp.c_fc.weight"),
            .map("blocks.{l}.mlp.b_in", "h.{l}.mlp.c_fc.bias"),
            .map("blocks.{l}.mlp.W_out", "h.{l}.mlp.c_proj.weight"),
            .map("blocks.{l}.mlp.b_out", "h.{l}.mlp.c_proj.bias"),
            .map("ln_final.w", "ln_f.weight"),
            .map("ln_final.b", "ln_f.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "wte.weight", .transpose),
            .zeros("unembed.b_U"),
        ]
    }
}
