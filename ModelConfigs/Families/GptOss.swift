import TLCore
import TLFormats
import TLModel

extension ArchitectureModule {
    /// GPT-OSS: biased GQA attention whose softmax also weighs a learned per-head sink logit,
    /// sliding-window and full layers alternating by `layer_types`, YaRN rotary (the config
    /// class's default), and a mixture of clamped-SwiGLU experts with biases behind a biased router.
    /// Experts are stored stacked: `gate_up_proj` `[experts, d_model, 2·d_mlp]` with gate and up
    /// columns interleaved (even: gate, odd: up), `down_proj` `[experts, d_mlp, d_model]`, each with
    /// a bias; TransformerLens 2.18 keeps them per expert as `nn.Linear`s, `[out, in]`.
    /// With `quantization_config.quant_method: mxfp4` (the Hub's files) both are stored as MXFP4
    /// blocks + scales and read dequantized, exactly as transformers does; biases stay unquantized.
    /// TransformerLens 2.18 has no sinks, no YaRN and no sliding window for it: the sinks and YaRN
    /// are written under TransformerLens 3.x's names (`attn.sinks`, `use_yarn_rope`, `yarn_*`).
    public static let gptOss = ArchitectureModule(
        family: "GPT-OSS",
        architectures: ["GptOssForCausalLM", "GptOssModel"],
        prefixes: ["model."],
        buffers: LlamaStyle.buffers,
        tiedEmbeddingsByDefault: false,
        tokenizer: .init(fallbackClass: "PreTrainedTokenizerFast"),
        config: { hf throws(TLError) in
            // The Hub's checkpoints store the experts MXFP4-packed (`gate_up_proj_blocks`/`_scales`, …):
            // the converter reads them dequantized as `gate_up_proj`/`down_proj` (`Mxfp4Weights`).
            if let method = hf.object("quantization_config")?["quant_method"]?.stringValue, method != "mxfp4" {
                throw .unsupported("\(hf.path): quantization_config quant_method '\(method)': only MXFP4 experts are "
                                   + "dequantized; save a dequantized copy first")
            }
            var c = try LlamaStyle.baseConfig(hf, defaults: .init(hiddenSize: 2880, heads: 64, layers: 36, context: 131_072,
                                                                  mlp: 2880, vocab: 201_088, eps: 1e-5,
                                                                  ropeTheta: 150_000, headDim: 64))
            c.nKeyValueHeads = try hf.int("num_key_value_heads", default: 8)
            c.numExperts = try hf.int("num_local_experts", default: 128)
            c.expertsPerToken = try hf.int("num_experts_per_tok", default: 4)
            guard let experts = c.numExperts, let k = c.expertsPerToken, experts > 0, k > 0, k <= experts else {
                throw .badFile(path: hf.path, problem: "needs 0 < num_experts_per_tok ≤ num_local_experts")
            }
            c.useAttentionSinks = true
            let rope = try hf.rotarySettings(defaultTheta: 150_000, context: c.nCtx, scope: .allLayers, defaultScaling: Self.gptOssRopeScaling)
            (c.rotaryBase, c.yarn) = (rope.base, rope.yarn)
            c.attnTypes = Array(repeating: .global, count: c.nLayers)
            let layerTypes = try hf.optionalStrings("layer_types")
                ?? (0..<c.nLayers).map { ($0 + 1) % 2 != 0 ? "sliding_attention" : "full_attention" }
            try hf.applyLayerTypes(layerTypes, to: &c, defaultWindow: 128)
            return c
        },
        tensors: LlamaStyle.embed + LlamaStyle.norms + LlamaStyle.attentionWeights.filter { $0.target != "blocks.{l}.attn.b_O" } + [
            // GptOssConfig always sets attention_bias.
            .map("blocks.{l}.attn.b_Q", "layers.{l}.self_attn.q_proj.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.{kv}b_K", "layers.{l}.self_attn.k_proj.bias", .rearrange("(g h) -> g h")),
            .map("blocks.{l}.attn.{kv}b_V", "layers.{l}.self_attn.v_proj.bias", .rearrange("(g h) -> g h")),
            .map("blocks.{l}.attn.b_O", "layers.{l}.self_attn.o_proj.bias"),
            .map("blocks.{l}.attn.sinks", "layers.{l}.self_attn.sinks"),
            .map("blocks.{l}.mlp.W_gate.weight", "layers.{l}.mlp.router.weight"),
            .map("blocks.{l}.mlp.W_gate.bias", "layers.{l}.mlp.router.bias"),
            // `e` on the left of a per-expert rule is that expert; `two` picks gate (0) or up (1).
            .map("blocks.{l}.mlp.experts.{e}.W_gate.weight", "layers.{l}.mlp.experts.gate_up_proj",
                 .rearrange("e m (f two) -> f m", select: ["two": 0])),
            .map("blocks.{l}.mlp.experts.{e}.W_gate.bias", "layers.{l}.mlp.experts.gate_up_proj_bias",
                 .rearrange("e (f two) -> f", select: ["two": 0])),
            .map("blocks.{l}.mlp.experts.{e}.W_in.weight", "layers.{l}.mlp.experts.gate_up_proj",
                 .rearrange("e m (f two) -> f m", select: ["two": 1])),
            .map("blocks.{l}.mlp.experts.{e}.W_in.bias", "layers.{l}.mlp.experts.gate_up_proj_bias",
                 .rearrange("e (f two) -> f", select: ["two": 1])),
            .map("blocks.{l}.mlp.experts.{e}.W_out.weight", "layers.{l}.mlp.experts.down_proj", .rearrange("e f m -> m f")),
            .map("blocks.{l}.mlp.experts.{e}.W_out.bias", "layers.{l}.mlp.experts.down_proj_bias", .rearrange("e m -> m")),
        ] + LlamaStyle.unembed)

    /// `GptOssConfig`'s `rope_scaling` when config.json does not write one.
    static let gptOssRopeScaling: JSONValue = .object([
        ("rope_type", .string("yarn")), ("factor", .double(32)), ("beta_fast", .double(32)), ("beta_slow", .double(1)),
        ("truncate", .bool(false)), ("original_max_position_embeddings", .int(4096)),
    ])
}
