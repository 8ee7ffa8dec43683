import TLCore
import TLModel

/// Tensor-map pieces shared by the LLaMA-like families (LLaMA, Mistral, Mixtral, Qwen 2/3,
/// Gemma): `model.`-prefixed names, separate Q/K/V/O projections without biases (K/V
/// grouped under `{kv}` names when the config groups them), a gated MLP, RMSNorm.
enum LlamaStyle {
    static let buffers = ["layers.{l}.self_attn.rotary_emb.inv_freq", "rotary_emb.inv_freq"]

    static let embed: [TensorRule] = [
        .map("embed.W_E", "embed_tokens.weight"),
    ]

    /// Attention weights; the biases are zeros unless a family maps its own.
    static let attentionWeights: [TensorRule] = [
        .map("blocks.{l}.attn.W_Q", "layers.{l}.self_attn.q_proj.weight", .rearrange("(n h) m -> n m h")),
        .map("blocks.{l}.attn.{kv}W_K", "layers.{l}.self_attn.k_proj.weight", .rearrange("(g h) m -> g m h")),
        .map("blocks.{l}.attn.{kv}W_V", "layers.{l}.self_attn.v_proj.weight", .rearrange("(g h) m -> g m h")),
        .map("blocks.{l}.attn.W_O", "layers.{l}.self_attn.o_proj.weight", .rearrange("m (n h) -> n h m")),
        .zeros("blocks.{l}.attn.b_O"),
    ]

    static let zeroQKVBiases: [TensorRule] = [
        .zeros("blocks.{l}.attn.b_Q"),
        .zeros("blocks.{l}.attn.{kv}b_K"),
        .zeros("blocks.{l}.attn.{kv}b_V"),
    ]

    static let norms: [TensorRule] = [
        .map("blocks.{l}.ln1.w", "layers.{l}.input_layernorm.weight"),
        .map("blocks.{l}.ln2.w", "layers.{l}.post_attention_layernorm.weight"),
    ]

    static let gatedMLP: [TensorRule] = [
        .map("blocks.{l}.mlp.W_in", "layers.{l}.mlp.up_proj.weight", .transpose),
        .map("blocks.{l}.mlp.W_gate", "layers.{l}.mlp.gate_proj.weight", .transpose),
        .map("blocks.{l}.mlp.W_out", "layers.{l}.mlp.down_proj.weight", .transpose),
        .zeros("blocks.{l}.mlp.b_in"),
        .zeros("blocks.{l}.mlp.b_out"),
    ]

    static let unembed: [TensorRule] = [
        .map("ln_final.w", "norm.weight"),
        .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "embed_tokens.weight", .transpose),
        .zeros("unembed.b_U"),
    ]

    /// The sizes every LLaMA-like config starts from.
    static func baseConfig(_ hf: HFConfig, defaults d: Defaults) throws(TLError) -> CanonicalConfig {
        let m = try hf.int("hidden_size", default: d.hiddenSize)
        let heads = try hf.int("num_attention_heads", default: d.heads)
        let dHead: Int
        if let given = try hf.optionalInt("head_dim"), given > 0 {
            dHead = given
        } else if let fallback = d.headDim {
            dHead = fallback
        } else {
            dHead = try hf.ratio("hidden_size", "num_attention_heads", m, heads)
        }
        var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: d.layers), dModel: m,
                                nCtx: try hf.int("max_position_embeddings", default: d.context),
                                dHead: dHead)
        c.nHeads = heads
        c.dMLP = try hf.int("intermediate_size", default: d.mlp)
        c.eps = try hf.double("rms_norm_eps", default: d.eps)
        c.dVocab = try hf.int("vocab_size", default: d.vocab)
        c.activation = try hf.activation("hidden_act", default: .silu)
        c.norm = .rms
        c.finalRMS = true
        c.gatedMLP = true
        c.position = .rotary
        c.rotaryAdjacentPairs = false
        c.rotaryDim = c.dHead
        c.rotaryBase = try hf.double("rope_theta", default: d.ropeTheta)
        return c
    }

    /// The `transformers` config-class defaults a family's `config.json` may omit.
    struct Defaults {
        var hiddenSize = 4096, heads = 32, layers = 32, context = 2048, mlp = 11008, vocab = 32000
        var eps = 1e-6, ropeTheta = 10000.0
        /// nil: hidden_size / num_attention_heads.
        var headDim: Int? = nil
    }
}
