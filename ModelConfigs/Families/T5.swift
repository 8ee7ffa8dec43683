import TLCore
import TLModel

extension ArchitectureModule {
    /// T5 (t5-small, t5-base, t5-large) as TransformerLens 2.16.1's `HookedEncoderDecoder`: an
    /// encoder and a decoder of `num_layers` blocks each, RMS-style norms with weights only,
    /// unscaled attention with bucketed relative position biases (one table per stack, in its
    /// first block), a ReLU MLP, and the shared embedding as the unembedding. Everything without
    /// a bias gets TransformerLens's zero biases. `config.json`'s fields are the ones its
    /// `convert_hf_model_config` derives (`n_ctx` from `max_length`, `normalization_type` left at "LN").
    /// T5 v1.1 / Flan-T5 (gated-GELU, untied head) and unequal stacks are refused: TransformerLens
    /// 2.16.1 would silently drop their gate and head.
    public static let t5 = ArchitectureModule(
        family: "T5",
        architectures: ["T5ForConditionalGeneration"],
        // Files may repeat the shared embedding under its users' names, and the tied head; the
        // original t5-* files also carry a cross-attention bias table that transformers ignores too.
        buffers: ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight",
                  "decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"],
        tokenizer: .init(fallbackClass: "T5Tokenizer"),
        config: { hf throws(TLError) in
            let layers = try hf.int("num_layers", default: 6)
            guard try hf.int("num_decoder_layers", default: layers) == layers else {
                throw .unsupported("\(hf.path): num_decoder_layers differs from num_layers; TransformerLens's HookedEncoderDecoder builds both stacks n_layers deep")
            }
            let proj = try hf.string("feed_forward_proj", default: "relu")
            guard proj == "relu" else {
                throw .unsupported("\(hf.path): feed_forward_proj '\(proj)' (T5 v1.1 / Flan-T5 style); TransformerLens 2.16.1 converts only T5's ReLU MLP")
            }
            guard try hf.bool("tie_word_embeddings", default: true) else {
                throw .unsupported("\(hf.path): tie_word_embeddings is false (an untied lm_head); TransformerLens 2.16.1 unembeds T5 with the shared embedding")
            }
            var c = CanonicalConfig(nLayers: layers, dModel: try hf.int("d_model", default: 512),
                                    nCtx: try hf.int("max_length", default: 20), dHead: try hf.int("d_kv", default: 64))
            c.nHeads = try hf.int("num_heads", default: 8)
            c.dMLP = try hf.int("d_ff", default: 2048)
            c.dVocab = try hf.int("vocab_size", default: 32128)
            c.eps = try hf.double("layer_norm_epsilon", default: 1e-6)
            c.activation = .relu
            c.position = .relativePositionalBias
            c.relativeAttentionMaxDistance = try hf.int("relative_attention_max_distance", default: 128)
            c.relativeAttentionNumBuckets = try hf.int("relative_attention_num_buckets", default: 32)
            guard (c.relativeAttentionNumBuckets ?? 0) >= 4, (c.relativeAttentionMaxDistance ?? 0) > 0 else {
                throw .badFile(path: hf.path, problem: "relative_attention_num_buckets must be at least 4 and relative_attention_max_distance positive")
            }
            c.decoderStartTokenID = try hf.optionalInt("decoder_start_token_id")
            c.attentionDirection = .bidirectional
            c.useAttnScale = false
            c.tieWordEmbeddings = true
            return c
        },
        tensors: t5Stack("encoder", attention: "layer.0.SelfAttention", mlp: "layer.1") + [
            .map("embed.W_E", "shared.weight"),
            .map("encoder.{l}.ln2.w", "encoder.block.{l}.layer.1.layer_norm.weight"),
            .map("encoder_final_ln.w", "encoder.final_layer_norm.weight"),
        ] + t5Stack("decoder", attention: "layer.0.SelfAttention", mlp: "layer.2")
          + t5Attention("decoder.{l}.cross_attn.", "decoder.block.{l}.layer.1.EncDecAttention.") + [
            .map("decoder.{l}.ln2.w", "decoder.block.{l}.layer.1.layer_norm.weight"),
            .map("decoder.{l}.ln3.w", "decoder.block.{l}.layer.2.layer_norm.weight"),
            .map("decoder_final_ln.w", "decoder.final_layer_norm.weight"),
            .map("unembed.W_U", "shared.weight", .transpose),
            .zeros("unembed.b_U"),
        ])

    /// A stack's self-attention (with its norm and the first block's bias table) and its MLP.
    private static func t5Stack(_ stack: String, attention: String, mlp: String) -> [TensorRule] {
        let block = "\(stack).block.{l}."
        return t5Attention("\(stack).{l}.attn.", block + attention + ".") + [
            .map("\(stack).{l}.ln1.w", block + "layer.0.layer_norm.weight"),
            .map("\(stack).0.attn.rel_pos_bias.weight", "\(stack).block.0.\(attention).relative_attention_bias.weight"),
            .map("\(stack).{l}.mlp.W_in", block + mlp + ".DenseReluDense.wi.weight", .transpose),
            .map("\(stack).{l}.mlp.W_out", block + mlp + ".DenseReluDense.wo.weight", .transpose),
            .zeros("\(stack).{l}.mlp.b_in"),
            .zeros("\(stack).{l}.mlp.b_out"),
        ]
    }

    /// Q, K, V (`[n·h, m]`) and O (`[m, n·h]`) projections without biases.
    private static func t5Attention(_ target: String, _ source: String) -> [TensorRule] {
        [.map(target + "W_Q", source + "q.weight", .rearrange("(n h) m -> n m h")),
         .map(target + "W_K", source + "k.weight", .rearrange("(n h) m -> n m h")),
         .map(target + "W_V", source + "v.weight", .rearrange("(n h) m -> n m h")),
         .map(target + "W_O", source + "o.weight", .rearrange("m (n h) -> n h m")),
         .zeros(target + "b_Q"), .zeros(target + "b_K"), .zeros(target + "b_V"), .zeros(target + "b_O")]
    }
}
