import TLCore
import TLModel

extension ArchitectureModule {
    /// BERT as TransformerLens's `HookedEncoder` (`convert_bert_weights`): post-LN blocks,
    /// learned positions and token types added before an embedding LayerNorm, the MLM head
    /// (dense → GELU → LayerNorm → unembed tied to the word embeddings), the pooler and the NSP
    /// head. TransformerLens reads a `BertForPreTraining` file (`bert.*`, `cls.*`) while config.json
    /// says `BertForMaskedLM`; older files (bert-base-cased) name LayerNorm parameters `gamma`/`beta`.
    public static let bert = ArchitectureModule(
        family: "BERT",
        architectures: ["BertForMaskedLM", "BertForPreTraining"],
        prefixes: ["bert."],
        buffers: BertStyle.buffers + ["cls.predictions.decoder.bias"],
        spellings: BertStyle.spellings,
        tokenizer: .init(fallbackClass: "BertTokenizer"),
        config: BertStyle.config,
        tensors: BertStyle.encoder + [
            .map("mlm_head.W", "cls.predictions.transform.dense.weight", .transpose),
            .map("mlm_head.b", "cls.predictions.transform.dense.bias"),
            .map("mlm_head.ln.w", "cls.predictions.transform.LayerNorm.weight"),
            .map("mlm_head.ln.b", "cls.predictions.transform.LayerNorm.bias"),
            .unembed("unembed.W_U", lmHead: "cls.predictions.decoder.weight",
                     tiedTo: "embeddings.word_embeddings.weight", .transpose),
            .map("unembed.b_U", "cls.predictions.bias"),
            .map("nsp_head.W", "cls.seq_relationship.weight", .transpose),
            .map("nsp_head.b", "cls.seq_relationship.bias"),
            .map("pooler.W", "pooler.dense.weight", .transpose),
            .map("pooler.b", "pooler.dense.bias"),
        ])

    /// A bare `BertModel` (sentence-embedding repos): no `bert.` prefix and no heads. The encoder
    /// is written; its pooler, which HookedEncoder only feeds to the NSP head, is left out.
    public static let bertModel = ArchitectureModule(
        family: "BERT (no head)",
        architectures: ["BertModel"],
        prefixes: ["bert."],
        buffers: BertStyle.buffers + ["pooler.dense.weight", "pooler.dense.bias"],
        spellings: BertStyle.spellings,
        tokenizer: .init(fallbackClass: "BertTokenizer"),
        config: BertStyle.config,
        tensors: BertStyle.encoder)
}

/// What the BERT modules share.
enum BertStyle {
    /// Buffers older files carry.
    static let buffers = ["embeddings.position_ids", "embeddings.token_type_ids"]
    /// TensorFlow-era LayerNorm names, as transformers renames them on load.
    static let spellings = [(".gamma", ".weight"), (".beta", ".bias")]

    /// TransformerLens's `convert_hf_model_config` for BERT (the same for every BERT class).
    @Sendable static func config(_ hf: HFConfig) throws(TLError) -> CanonicalConfig {
        let m = try hf.int("hidden_size", default: 768), heads = try hf.int("num_attention_heads", default: 12)
        var c = CanonicalConfig(nLayers: try hf.int("num_hidden_layers", default: 12), dModel: m,
                                nCtx: try hf.int("max_position_embeddings", default: 512),
                                dHead: try hf.ratio("hidden_size", "num_attention_heads", m, heads))
        c.nHeads = heads
        c.dMLP = try hf.int("intermediate_size", default: 3072)
        c.eps = try hf.double("layer_norm_eps", default: 1e-12)
        c.dVocab = try hf.int("vocab_size", default: 30522)
        // TransformerLens writes "gelu" whatever the file says; the file's own activation is what
        // transformers computes, and it is "gelu" for every BERT TransformerLens lists.
        c.activation = try hf.activation("hidden_act", default: .gelu)
        c.attentionDirection = .bidirectional
        c.norm = .layerNorm
        if let position = try hf.optionalString("position_embedding_type"), position != "absolute" {
            throw .unsupported("\(hf.path): position_embedding_type '\(position)' is not supported (absolute only, as TransformerLens)")
        }
        return c
    }

    /// The embeddings and blocks (`bert.` optional).
    static let encoder: [TensorRule] = [
        .map("embed.embed.W_E", "embeddings.word_embeddings.weight"),
        .map("embed.pos_embed.W_pos", "embeddings.position_embeddings.weight"),
        .map("embed.token_type_embed.W_token_type", "embeddings.token_type_embeddings.weight"),
        .map("embed.ln.w", "embeddings.LayerNorm.weight"),
        .map("embed.ln.b", "embeddings.LayerNorm.bias"),
        .map("blocks.{l}.attn.W_Q", "encoder.layer.{l}.attention.self.query.weight", .rearrange("(n h) m -> n m h")),
        .map("blocks.{l}.attn.W_K", "encoder.layer.{l}.attention.self.key.weight", .rearrange("(n h) m -> n m h")),
        .map("blocks.{l}.attn.W_V", "encoder.layer.{l}.attention.self.value.weight", .rearrange("(n h) m -> n m h")),
        .map("blocks.{l}.attn.b_Q", "encoder.layer.{l}.attention.self.query.bias", .rearrange("(n h) -> n h")),
        .map("blocks.{l}.attn.b_K", "encoder.layer.{l}.attention.self.key.bias", .rearrange("(n h) -> n h")),
        .map("blocks.{l}.attn.b_V", "encoder.layer.{l}.attention.self.value.bias", .rearrange("(n h) -> n h")),
        .map("blocks.{l}.attn.W_O", "encoder.layer.{l}.attention.output.dense.weight", .rearrange("m (n h) -> n h m")),
        .map("blocks.{l}.attn.b_O", "encoder.layer.{l}.attention.output.dense.bias"),
        .map("blocks.{l}.ln1.w", "encoder.layer.{l}.attention.output.LayerNorm.weight"),
        .map("blocks.{l}.ln1.b", "encoder.layer.{l}.attention.output.LayerNorm.bias"),
        .map("blocks.{l}.mlp.W_in", "encoder.layer.{l}.intermediate.dense.weight", .transpose),
        .map("blocks.{l}.mlp.b_in", "encoder.layer.{l}.intermediate.dense.bias"),
        .map("blocks.{l}.mlp.W_out", "encoder.layer.{l}.output.dense.weight", .transpose),
        .map("blocks.{l}.mlp.b_out", "encoder.layer.{l}.output.dense.bias"),
        .map("blocks.{l}.ln2.w", "encoder.layer.{l}.output.LayerNorm.weight"),
        .map("blocks.{l}.ln2.b", "encoder.layer.{l}.output.LayerNorm.bias"),
    ]
}
