import TLCore
import TLModel

extension ArchitectureModule {
    /// Qwen (the first, remote code `QWenLMHeadModel`): LLaMA's block under GPT-2's names. Q, K and V
    /// come fused in one `nn.Linear` with a bias (`attn.c_attn`, `[3·d_model, d_model]`, Q|K|V along the
    /// rows); the gated MLP's `w2` is the gate and `w1` the linear input (`w1(x) · silu(w2(x))`), each
    /// half of `intermediate_size` wide. As TransformerLens 2.16.1: context capped at 2048, BOS not
    /// prepended by default. Its tokenizer is a tiktoken file (`qwen.tiktoken`), which tlconvert does not
    /// read: `tokenize` and `run` refuse it, `convert` and `verify` (on token ids) work.
    public static let qwenV1 = ArchitectureModule(
        family: "Qwen",
        architectures: ["QWenLMHeadModel"],
        prefixes: ["transformer."],
        buffers: ["rotary_emb.inv_freq"],
        tiedEmbeddingsByDefault: false,
        config: { hf throws(TLError) in
            let m = try hf.int("hidden_size", default: 4096), heads = try hf.int("num_attention_heads", default: 32)
            let dHead = try hf.ratio("hidden_size", "num_attention_heads", m, heads)
            var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: 32), dModel: m,
                                    nCtx: 2048,  // TransformerLens's cap (the models were trained on 8192)
                                    dHead: dHead)
            c.nHeads = heads
            let width = try hf.int("intermediate_size", default: 22016)
            guard width > 0, width % 2 == 0 else {
                throw .badFile(path: hf.path, problem: "'intermediate_size' must be even (w1 and w2 are half of it each), got \(width)")
            }
            c.dMLP = width / 2
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-6)
            c.dVocab = try hf.int("vocab_size", default: 151_936)
            c.activation = .silu
            c.useAttnScale = try hf.bool("scale_attn_weights", default: true)
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            c.norm = .rms
            c.finalRMS = true
            c.gatedMLP = true
            c.position = .rotary
            c.rotaryAdjacentPairs = false
            let channels = try hf.int("kv_channels", default: dHead)
            guard channels == dHead else {
                throw .unsupported("\(hf.path): kv_channels \(channels) differs from hidden_size / num_attention_heads \(dHead), which TransformerLens's layout assumes")
            }
            c.rotaryDim = partialRotaryDim(channels, try hf.double("rotary_pct", default: 1))
            c.rotaryBase = try hf.double("rotary_emb_base", default: 10000)
            c.tokenizerPrependsBOS = true
            c.defaultPrependBOS = false
            c.trustRemoteCode = true
            try hf.require("no_bias", is: true, default: true, "biases on c_proj, w1 and w2")
            return c
        },
        tensors: [
            .map("embed.W_E", "wte.weight"),
            .map("blocks.{l}.ln1.w", "h.{l}.ln_1.weight"),
            .map("blocks.{l}.attn.W_Q", "h.{l}.attn.c_attn.weight", .rearrange("(qkv n h) m -> n m h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.W_K", "h.{l}.attn.c_attn.weight", .rearrange("(qkv n h) m -> n m h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.W_V", "h.{l}.attn.c_attn.weight", .rearrange("(qkv n h) m -> n m h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.b_Q", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.b_K", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.b_V", "h.{l}.attn.c_attn.bias", .rearrange("(qkv n h) -> n h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.W_O", "h.{l}.attn.c_proj.weight", .rearrange("m (n h) -> n h m")),
            .zeros("blocks.{l}.attn.b_O"),
            .map("blocks.{l}.ln2.w", "h.{l}.ln_2.weight"),
            .map("blocks.{l}.mlp.W_in", "h.{l}.mlp.w1.weight", .transpose),
            .map("blocks.{l}.mlp.W_gate", "h.{l}.mlp.w2.weight", .transpose),
            .map("blocks.{l}.mlp.W_out", "h.{l}.mlp.c_proj.weight", .transpose),
            .zeros("blocks.{l}.mlp.b_in"),
            .zeros("blocks.{l}.mlp.b_out"),
            .map("ln_final.w", "ln_f.weight"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "wte.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
