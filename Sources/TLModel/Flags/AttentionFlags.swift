/// Which positions a query may attend to: TransformerLens's `attention_dir`.
public enum AttentionDirection: String, Sendable, CaseIterable, Codable {
    /// Earlier positions and itself (decoders).
    case causal
    /// Every position (encoders).
    case bidirectional
}

/// One layer's attention span: an entry of TransformerLens's `attn_types`.
public enum AttentionScope: String, Sendable, CaseIterable, Codable {
    /// Every allowed position.
    case global
    /// The last `window_size` positions.
    case local
}
