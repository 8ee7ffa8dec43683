import TLCore
import TLModel

extension ArchitectureModule {
    /// GPT-NeoX / Pythia: fused QKV interleaved per head (`(head, q|k|v, d_head)` rows),
    /// partial rotary on halves, parallel attention and MLP, untied `embed_out`.
    public static let gptNeoX = ArchitectureModule(
        family: "GPT-NeoX",
        architectures: ["GPTNeoXForCausalLM"],
        prefixes: ["gpt_neox."],
        buffers: ["layers.{l}.attention.bias", "layers.{l}.attention.masked_bias",
                  "layers.{l}.attention.rotary_emb.inv_freq", "rotary_emb.inv_freq"],
        tokenizer: .init(fallbackClass: "GPTNeoXTokenizer"),
        config: { hf throws(TLError) in
            let m = try hf.int("hidden_size", default: 6144), heads = try hf.int("num_attention_heads", default: 64)
            var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: 44), dModel: m,
                                    nCtx: try hf.int("max_position_embeddings", default: 2048),
                                    dHead: try hf.ratio("hidden_size", "num_attention_heads", m, heads))
            c.nHeads = heads
            c.dMLP = try hf.int("intermediate_size", default: 24576)
            c.eps = try hf.double("layer_norm_eps", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 50432)
            c.activation = try hf.activation("hidden_act", default: .gelu)
            // TransformerLens always runs NeoX in parallel; Hugging Face follows the flag.
            c.parallelAttnMLP = try hf.bool("use_parallel_residual", default: true)
            c.position = .rotary
            c.rotaryAdjacentPairs = false
            c.rotaryDim = partialRotaryDim(c.dHead, try hf.double("rotary_pct", default: 0.25))
            // TransformerLens keeps its default 10000; Hugging Face reads `rotary_emb_base`.
            c.rotaryBase = try hf.double("rotary_emb_base", default: 10000)
            c.norm = .layerNorm
            try hf.require("attention_bias", is: true, default: true, "attention without biases")
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: [
            .map("embed.W_E", "embed_in.weight"),
            .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight"),
            .map("blocks.{l}.ln1.b", "layers.{l}.input_layernorm.bias"),
            .map("blocks.{l}.attn.W_Q", "layers.{l}.attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.W_K", "layers.{l}.attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.W_V", "layers.{l}.attention.query_key_value.weight", .rearrange("(n qkv h) m -> n m h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.b_Q", "layers.{l}.attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 0])),
            .map("blocks.{l}.attn.b_K", "layers.{l}.attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 1])),
            .map("blocks.{l}.attn.b_V", "layers.{l}.attention.query_key_value.bias", .rearrange("(n qkv h) -> n h", select: ["qkv": 2])),
            .map("blocks.{l}.attn.W_O", "layers.{l}.attention.dense.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "layers.{l}.attention.dense.bias"),
            .map("blocks.{l}.ln2.w", "layers.{l}.post_attention_layernorm.weight"),
            .map("blocks.{l}.ln2.b", "layers.{l}.post_attention_layernorm.bias"),
            .map("blocks.{l}.mlp.W_in", "layers.{l}.mlp.dense_h_to_4h.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "layers.{l}.mlp.dense_h_to_4h.bias"),
            .map("blocks.{l}.mlp.W_out", "layers.{l}.mlp.dense_4h_to_h.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "layers.{l}.mlp.dense_4h_to_h.bias"),
            .map("ln_final.w", "final_layer_norm.weight"),
            .map("ln_final.b", "final_layer_norm.bias"),
            .unembed("unembed.W_U", lmHead: "embed_out.weight", tiedTo: "embed_in.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
