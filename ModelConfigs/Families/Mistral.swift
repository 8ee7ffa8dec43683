import TLCore
import TLModel

extension ArchitectureModule {
    /// Mistral: LLaMA's block with K/V always stored grouped (`_W_K`, even when the
    /// group size is 1) and a sliding attention window on every layer when set.
    public static let mistral = ArchitectureModule(
        family: "Mistral",
        architectures: ["MistralForCausalLM", "MistralModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "LlamaTokenizer"),
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(context: 131072, mlp: 14336))
            c.nCtx = 2048  // TransformerLens's cap
            c.nKeyValueHeads = try hf.int("num_key_value_heads", default: 8)
            c.finalRMS = false  // as TransformerLens sets it (irrelevant to an RMS model)
            // Mistral's class default window is 4096; a null in config.json turns it off.
            if !hf.isWritten("sliding_window") {
                c.useLocalAttn = true
                c.windowSize = 4096
                c.attnTypes = Array(repeating: .local, count: c.nLayers)
            }
            try hf.applyUniformSlidingWindow(to: &c)
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases
            + LlamaStyle.gatedMLP + LlamaStyle.unembed)
}
