import TLCore
import TLModel

extension ArchitectureModule {
    /// OLMo 3: OLMo 2's block with grouped K/V (always stored as `_W_K`/`_W_V`, as TransformerLens
    /// 3.x sets `n_key_value_heads`) and sliding-window layers per `layer_types` (by default three
    /// sliding layers, then a full one). Full layers may scale their rotary frequencies with YaRN
    /// (the released Olmo-3 configs do) and sliding layers may have their own base.
    public static let olmo3 = ArchitectureModule(
        family: "OLMo 3",
        architectures: ["Olmo3ForCausalLM", "Olmo3Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        // TransformerLens 3.x reloads OLMo 3's tokenizer with add_bos_token=True (it exempts OLMo,
        // OLMo 2 and OLMoE), which transformers 5 honours as slow tokenizers do: BOS is prepended.
        tokenizer: .init(fallbackClass: "GPT2Tokenizer", loadsSlow: true),
        config: { hf throws(TLError) in
            var c = try OlmoStyle.baseConfig(hf, ropeTheta: 500000, perLayerTypeRope: true)
            try OlmoStyle.asConfigured(&c, hf)
            let layerTypes = try hf.optionalStrings("layer_types")
                ?? (0..<c.nLayers).map { ($0 + 1) % 4 != 0 ? "sliding_attention" : "full_attention" }
            c.attnTypes = Array(repeating: .global, count: c.nLayers)
            try hf.applyLayerTypes(layerTypes, to: &c, defaultWindow: 4096)
            return c
        },
        tensors: OlmoStyle.postNormTensors)
}
