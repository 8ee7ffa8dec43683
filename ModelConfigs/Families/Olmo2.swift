import TLCore
import TLModel

extension ArchitectureModule {
    /// OLMo 2: LLaMA's layout with RMS norms after attention and after the MLP instead of
    /// before them, and RMS norms over the whole query and key projections (not per head).
    /// TransformerLens 3.x hard-codes the two released sizes; this derives the same fields
    /// from `config.json` (its `final_rms` is false, its n_ctx `max_position_embeddings`).
    public static let olmo2 = ArchitectureModule(
        family: "OLMo 2",
        architectures: ["Olmo2ForCausalLM", "Olmo2Model"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "GPT2Tokenizer"),
        config: { hf throws(TLError) in try OlmoStyle.releasedConfig(hf) },
        tensors: OlmoStyle.postNormTensors)
}
