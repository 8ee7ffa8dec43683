import TLCore
import TLModel

extension ArchitectureModule {
    /// GPT-Neo: separate Q/K/V without biases, unscaled attention scores, and
    /// alternating global/local (windowed) attention layers.
    public static let gptNeo = ArchitectureModule(
        family: "GPT-Neo",
        architectures: ["GPTNeoForCausalLM", "GPTNeoModel"],
        prefixes: ["transformer."],
        buffers: ["h.{l}.attn.attention.bias", "h.{l}.attn.attention.masked_bias"],
        config: { hf throws(TLError) in
            let m = try hf.int("hidden_size", default: 2048), heads = try hf.int("num_heads", default: 16)
            let layers = try hf.int("num_layers", default: 24)
            var c = CanonicalConfig(nLayers: layers, dModel: m,
                                    nCtx: try hf.int("max_position_embeddings", default: 2048),
                                    dHead: try hf.ratio("hidden_size", "num_heads", m, heads))
            c.nHeads = heads
            c.dMLP = try hf.optionalInt("intermediate_size") ?? 4 * m
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-5)
            c.dVocab = try hf.int("vocab_size", default: 50257)
            c.activation = try hf.activation("activation_function", default: .geluNew)
            c.useAttnScale = false
            c.useLocalAttn = true
            c.windowSize = try hf.int("window_size", default: 256)
            c.attnTypes = try attentionLayers(hf, layers: layers)
            c.scaleAttnByInverseLayerIdx = false
            c.norm = .layerNorm
            return c
        },
        tensors: [
            .map("embed.W_E", "wte.weight"),
            .map("pos_embed.W_pos", "wpe.weight"),
            .map("blocks.{l}.ln1.w", "h.{l}.ln_1.weight"),
            .map("blocks.{l}.ln1.b", "h.{l}.ln_1.bias"),
            .map("blocks.{l}.attn.W_Q", "h.{l}.attn.attention.q_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_K", "h.{l}.attn.attention.k_proj.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_V", "h.{l}.attn.attention.v_proj.weight", .rearrange("(n h) m -> n m h")),
            .zeros("blocks.{l}.attn.b_Q"),
            .zeros("blocks.{l}.attn.b_K"),
            .zeros("blocks.{l}.attn.b_V"),
            .map("blocks.{l}.attn.W_O", "h.{l}.attn.attention.out_proj.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "h.{l}.attn.attention.out_proj.bias"),
            .map("blocks.{l}.ln2.w", "h.{l}.ln_2.weight"),
            .map("blocks.{l}.ln2.b", "h.{l}.ln_2.bias"),
            .map("blocks.{l}.mlp.W_in", "h.{l}.mlp.c_fc.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "h.{l}.mlp.c_fc.bias"),
            .map("blocks.{l}.mlp.W_out", "h.{l}.mlp.c_proj.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "h.{l}.mlp.c_proj.bias"),
            .map("ln_final.w", "ln_f.weight"),
            .map("ln_final.b", "ln_f.bias"),
            .unembed("unembed.W_U", lmHead: "lm_head.weight", tiedTo: "wte.weight", .transpose),
            .zeros("unembed.b_U"),
        ])
}

/// GPT-Neo's per-layer attention kinds: `attention_layers`, or `attention_types`
/// (`[[["global", "local"], 12]]`) expanded as transformers does.
private func attentionLayers(_ hf: HFConfig, layers: Int) throws(TLError) -> [AttentionScope] {
    var kinds = try hf.optionalStrings("attention_layers") ?? []
    if kinds.isEmpty {
        if let spec = hf.json["attention_types"]?.arrayValue {
            for entry in spec {
                guard let pair = entry.arrayValue, pair.count == 2,
                      let pattern = pair[0].arrayValue?.compactMap(\.stringValue), let repeats = pair[1].intValue else {
                    throw .badFile(path: hf.path, problem: "'attention_types' should be [[[kinds…], repeats], …]")
                }
                for _ in 0..<max(repeats, 0) { kinds += pattern }
            }
        } else {
            kinds = Array(repeating: ["global", "local"], count: 12).flatMap { $0 }
        }
    }
    let scopes = kinds.compactMap(AttentionScope.init(rawValue:))
    guard kinds.count == layers, scopes.count == layers else {
        throw .badFile(path: hf.path, problem: "attention layer kinds \(kinds) do not give 'global'/'local' for each of \(layers) layers")
    }
    return scopes
}
