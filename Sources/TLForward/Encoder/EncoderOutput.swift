import TLCore

/// What one encoder pass computed: the final hidden state, and the heads' outputs when the
/// model has them and they were asked for.
public struct EncoderOutput: Sendable {
    /// `[batch, seq, d_model]`: the last block's output (`BertModel`'s `last_hidden_state`).
    public let hiddenStates: FloatTensor
    /// `[batch, seq, d_vocab_out]`: the MLM head's logits.
    public let logits: FloatTensor?
    /// `[batch, 2]`: the NSP head's logits (index 0: B follows A), from the pooled first token.
    public let nspLogits: FloatTensor?
}
