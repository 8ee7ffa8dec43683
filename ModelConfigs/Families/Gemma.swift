import TLCore
import TLModel

extension ArchitectureModule {
    /// Gemma: LLaMA's block with GeGLU, RMSNorms that scale by `1 + w` (TransformerLens
    /// stores the sum), embeddings multiplied by √d_model (TransformerLens bakes it into
    /// `W_E`; the tied unembedding stays unscaled), K/V always stored grouped.
    /// TransformerLens 2.16.1 only knows Gemma by official model name; the config here
    /// is derived from config.json the way its hard-coded entries were.
    public static let gemma = ArchitectureModule(
        family: "Gemma",
        architectures: ["GemmaForCausalLM", "GemmaModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(hiddenSize: 3072, heads: 16, layers: 28, context: 8192,
                                                                  mlp: 24576, vocab: 256000, headDim: 256))
            c.actFn = try hf.string("hidden_act", default: "gelu_pytorch_tanh")
            c.nKeyValueHeads = try hf.int("num_key_value_heads", default: 16)
            c.initializerRange = try hf.double("initializer_range", default: 0.02)
            try hf.require("attention_bias", is: false, default: false, "biased attention projections")
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: [
            .map("embed.W_E", "embed_tokens.weight", .scaleBySqrtDModel),
            .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight", .addOne),
            .map("blocks.{l}.ln2.w", "layers.{l}.post_attention_layernorm.weight", .addOne),
        ] + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + LlamaStyle.gatedMLP + [
            .map("ln_final.w", "norm.weight", .addOne),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}
