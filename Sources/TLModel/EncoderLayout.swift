import TLCore

/// The parameters of TransformerLens 2.16.1's `HookedEncoder` (BERT), in its registration
/// order: `embed` (word, position and token-type tables, then the embedding LayerNorm),
/// the post-LN blocks, then `mlm_head`, `unembed`, `nsp_head` and `pooler`. A model without
/// heads (a bare `BertModel`) has the embeddings and blocks only.
public enum EncoderLayout {
    static func shapes(for c: CanonicalConfig, group: WeightGroup) -> [(name: String, shape: [Int])] {
        let m = c.dModel
        switch group {
        case .embed:
            return [("embed.embed.W_E", [c.dVocab, m]), ("embed.pos_embed.W_pos", [c.nCtx, m]),
                    ("embed.token_type_embed.W_token_type", [2, m]), ("embed.ln.w", [m]), ("embed.ln.b", [m])]
        case .block(let l):
            let p = "blocks.\(l)."
            let (n, h, f) = (c.nHeads, c.dHead, c.dMLP ?? 4 * m)
            return [(p + "attn.W_Q", [n, m, h]), (p + "attn.W_O", [n, h, m]), (p + "attn.b_Q", [n, h]),
                    (p + "attn.b_O", [m]), (p + "attn.W_K", [n, m, h]), (p + "attn.W_V", [n, m, h]),
                    (p + "attn.b_K", [n, h]), (p + "attn.b_V", [n, h]),
                    (p + "ln1.w", [m]), (p + "ln1.b", [m]),
                    (p + "mlp.W_in", [m, f]), (p + "mlp.b_in", [f]), (p + "mlp.W_out", [f, m]), (p + "mlp.b_out", [m]),
                    (p + "ln2.w", [m]), (p + "ln2.b", [m])]
        case .unembed:
            guard c.hasEncoderHeads else { return [] }
            return [("mlm_head.W", [m, m]), ("mlm_head.b", [m]), ("mlm_head.ln.w", [m]), ("mlm_head.ln.b", [m]),
                    ("unembed.W_U", [m, c.dVocabOut]), ("unembed.b_U", [c.dVocabOut]),
                    ("nsp_head.W", [m, 2]), ("nsp_head.b", [2]), ("pooler.W", [m, m]), ("pooler.b", [m])]
        }
    }
}

extension CanonicalConfig {
    /// Architectures whose files hold the encoder only (no MLM, pooler or NSP head).
    public static let headlessEncoderArchitectures: Set<String> = ["BertModel"]

    /// Whether an encoder has its heads (a bare `BertModel` has none: verify and run then use
    /// the final hidden state).
    public var hasEncoderHeads: Bool {
        guard let originalArchitecture else { return true }
        return !Self.headlessEncoderArchitectures.contains(originalArchitecture)
    }
}

/// What users are told about encoders.
public enum EncoderNotes {
    /// The note for an encoder without heads, nil otherwise.
    public static func headless(_ c: CanonicalConfig) -> String? {
        guard c.modelClass == .hookedEncoder, !c.hasEncoderHeads else { return nil }
        return "\(c.originalArchitecture ?? "this encoder") has no MLM or NSP head (nor is its pooler written): "
            + "the encoder only; verify and run use its final hidden state"
    }
}
