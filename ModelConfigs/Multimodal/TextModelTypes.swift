/// transformers' `model_type` of a text config → the causal-LM architecture string of the family
/// that converts it (what a wrapper's `text_config` names instead of `architectures`).
public enum TextModelTypes {
    static let table: [String: String] = [
        "llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "mixtral": "MixtralForCausalLM",
        "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM", "phi": "PhiForCausalLM", "phi3": "Phi3ForCausalLM",
        "gemma": "GemmaForCausalLM", "gemma2": "Gemma2ForCausalLM", "gemma3_text": "Gemma3ForCausalLM",
        "gpt2": "GPT2LMHeadModel", "gpt_neox": "GPTNeoXForCausalLM", "opt": "OPTForCausalLM",
    ]

    public static var modelTypes: [String] { table.keys.sorted() }

    public static func architecture(for modelType: String) -> String? { table[modelType] }
}
