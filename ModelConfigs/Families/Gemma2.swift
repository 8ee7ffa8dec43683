import TLCore
import TLModel

extension ArchitectureModule {
    /// Gemma 2: Gemma with norms both before and after attention and MLP, tanh soft-caps
    /// on attention scores and output logits, queries scaled by `query_pre_attn_scalar`,
    /// and sliding-window layers as `layer_types` says (by default layer 0, 2, … slide).
    public static let gemma2 = ArchitectureModule(
        family: "Gemma 2",
        architectures: ["Gemma2ForCausalLM", "Gemma2Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tokenizer: .init(fallbackClass: "GemmaTokenizer"),
        config: { hf throws(TLError) in
            var c = try GemmaStyle.baseConfig(hf, defaults: .init(hiddenSize: 2304, heads: 8, layers: 26, context: 8192,
                                                                  mlp: 9216, vocab: 256000, headDim: 256),
                                              activationKey: "hidden_activation", kvHeads: 4)
            try GemmaStyle.applyNormsAfterAndScaling(&c, hf)
            let layerTypes = try hf.optionalStrings("layer_types")
                ?? (0..<c.nLayers).map { $0 % 2 == 0 ? "sliding_attention" : "full_attention" }
            try hf.applyLayerTypes(layerTypes, to: &c, defaultWindow: 4096)
            try GemmaStyle.finish(&c, hf)
            return c
        },
        tensors: GemmaStyle.embed + GemmaStyle.prePostNorms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + LlamaStyle.gatedMLP + GemmaStyle.unembed)
}
