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
        tokenizer: .init(fallbackClass: "GemmaTokenizer"),
        config: { hf throws(TLError) in
            var c = try GemmaStyle.baseConfig(hf, defaults: .init(hiddenSize: 3072, heads: 16, layers: 28, context: 8192,
                                                                  mlp: 24576, vocab: 256000, headDim: 256),
                                              activationKey: "hidden_act", kvHeads: 16)
            try GemmaStyle.finish(&c, hf)
            return c
        },
        tensors: GemmaStyle.embed + [
            .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight", .addOne),
            .map("blocks.{l}.ln2.w", "layers.{l}.post_attention_layernorm.weight", .addOne),
        ] + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + LlamaStyle.gatedMLP + GemmaStyle.unembed)
}
