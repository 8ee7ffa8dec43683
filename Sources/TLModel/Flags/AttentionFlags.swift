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

/// What one query/key RMS norm (`attn.q_norm`, `attn.k_norm`) runs over.
public enum QKNormScope: String, Sendable, CaseIterable {
    /// Each head's `d_head` vector (`use_qk_norm`: Qwen 3, Gemma 3).
    case perHead
    /// All heads' projection at once, `n_heads·d_head` wide for queries and `n_kv_heads·d_head` for
    /// keys (OLMo 2/3, OLMoE). TransformerLens 3.x keys it on `original_architecture`.
    case wholeProjection

    /// The architectures TransformerLens 3.x gives whole-projection QK norms.
    public static let wholeProjectionArchitectures: Set<String> = ["OlmoeForCausalLM", "Olmo2ForCausalLM", "Olmo3ForCausalLM"]

    /// The norm's width for `heads` heads of `dHead`.
    public func width(heads: Int, dHead: Int) -> Int { self == .perHead ? dHead : heads * dHead }
    /// How many norms of that width one row (token) holds.
    public func segments(heads: Int) -> Int { self == .perHead ? heads : 1 }
}
