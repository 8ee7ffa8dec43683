/// How tokens learn their position: TransformerLens's `positional_embedding_type`.
public enum PositionKind: String, Sendable, CaseIterable, Codable {
    /// A learned table added to the residual stream (`pos_embed.W_pos`).
    case standard
    /// Rotary embedding of queries and keys.
    case rotary
    /// A learned table added to queries and keys only, not the residual stream.
    case shortformer
    /// ALiBi biases on the attention scores.
    case alibi
    /// T5's bucketed relative position biases on the attention scores.
    case relativePositionalBias = "relative_positional_bias"

    /// Whether the model has a `pos_embed.W_pos` table (TransformerLens allocates it for every
    /// kind that does not rotate or bias the scores).
    public var hasPositionTable: Bool { self == .standard || self == .shortformer || self == .alibi }
}
