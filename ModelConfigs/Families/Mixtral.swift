import TLCore
import TLModel

extension ArchitectureModule {
    /// Mixtral: Mistral's attention with a sparse mixture of SwiGLU experts. On disk the
    /// router is `block_sparse_moe.gate` and expert `e` holds `w1` (gate), `w3` (up) and
    /// `w2` (down); TransformerLens keeps them as `nn.Linear` weights, `[out, in]`.
    public static let mixtral = ArchitectureModule(
        family: "Mixtral",
        architectures: ["MixtralForCausalLM", "MixtralModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "LlamaTokenizer"),
        config: { hf throws(TLError) in
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(context: 131072, mlp: 14336, eps: 1e-5, ropeTheta: 1e6))
            c.nKeyValueHeads = try hf.int("num_key_value_heads", default: 8)
            c.finalRMS = false  // as TransformerLens sets it (irrelevant to an RMS model)
            c.numExperts = try hf.int("num_local_experts", default: 8)
            c.expertsPerToken = try hf.int("num_experts_per_tok", default: 2)
            guard let experts = c.numExperts, let k = c.expertsPerToken, experts > 0, k > 0, k <= experts else {
                throw .badFile(path: hf.path, problem: "needs 0 < num_experts_per_tok ≤ num_local_experts")
            }
            c.attnTypes = Array(repeating: .global, count: c.nLayers)
            try hf.applyUniformSlidingWindow(to: &c)
            try hf.applyRopeScaling(to: &c)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases + [
            .map("blocks.{l}.mlp.W_gate.weight", "layers.{l}.block_sparse_moe.gate.weight"),
            .map("blocks.{l}.mlp.experts.{e}.W_in.weight", "layers.{l}.block_sparse_moe.experts.{e}.w3.weight"),
            .map("blocks.{l}.mlp.experts.{e}.W_gate.weight", "layers.{l}.block_sparse_moe.experts.{e}.w1.weight"),
            .map("blocks.{l}.mlp.experts.{e}.W_out.weight", "layers.{l}.block_sparse_moe.experts.{e}.w2.weight"),
        ] + LlamaStyle.unembed)
}
