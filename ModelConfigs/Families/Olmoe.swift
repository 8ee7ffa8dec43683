import TLCore
import TLModel

extension ArchitectureModule {
    /// OLMoE: OLMo 2's attention (QK norms over the whole projections) with pre-norm RMS blocks,
    /// an optional `clip_qkv` clamp, and a sparse mixture of SwiGLU experts whose top-k router
    /// weights are renormalised only when `norm_topk_prob` says so (by default they are not).
    /// Expert `e` stores `gate_proj`, `up_proj`, `down_proj`; the router is `mlp.gate`.
    public static let olmoe = ArchitectureModule(
        family: "OLMoE",
        architectures: ["OlmoeForCausalLM", "OlmoeModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "GPT2Tokenizer"),
        config: { hf throws(TLError) in
            var c = try OlmoStyle.baseConfig(hf, defaults: .init(hiddenSize: 2048, heads: 16, layers: 16, context: 4096,
                                                                 mlp: 2048, vocab: 50304, eps: 1e-5), ropeTheta: 10000)
            try OlmoStyle.asConfigured(&c, hf)
            c.numExperts = try hf.int("num_experts", default: 64)
            c.expertsPerToken = try hf.int("num_experts_per_tok", default: 8)
            guard let experts = c.numExperts, let k = c.expertsPerToken, experts > 0, k > 0, k <= experts else {
                throw .badFile(path: hf.path, problem: "needs 0 < num_experts_per_tok ≤ num_experts")
            }
            c.normTopKProb = try hf.bool("norm_topk_prob", default: false)
            c.clipQKV = try OlmoStyle.clip(hf)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights + LlamaStyle.zeroQKVBiases
            + OlmoStyle.qkNorms + [
                .map("blocks.{l}.mlp.W_gate.weight", "layers.{l}.mlp.gate.weight"),
                .map("blocks.{l}.mlp.experts.{e}.W_in.weight", "layers.{l}.mlp.experts.{e}.up_proj.weight"),
                .map("blocks.{l}.mlp.experts.{e}.W_gate.weight", "layers.{l}.mlp.experts.{e}.gate_proj.weight"),
                .map("blocks.{l}.mlp.experts.{e}.W_out.weight", "layers.{l}.mlp.experts.{e}.down_proj.weight"),
            ] + LlamaStyle.unembed)
}
