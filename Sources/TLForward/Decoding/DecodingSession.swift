import TLCore

/// Incremental decoding of one sequence: the prompt is run once, then each new token costs
/// one position's work, attending to the keys and values the `KVCache` keeps for the past.
/// The logits are those of the full forward pass over the whole sequence so far.
public final class DecodingSession {
    public let transformer: Transformer
    let cache: KVCache

    /// - Parameter capacity: positions to reserve room for (the cache grows past it if needed).
    public init(_ transformer: Transformer, capacity: Int = 64) {
        self.transformer = transformer
        cache = KVCache(spec: transformer.spec, capacity: capacity)
    }

    /// Tokens run so far.
    public var length: Int { cache.length }

    /// How many positions the model can hold (`n_ctx`; nil for ALiBi, which has no table to run out of).
    public var maxPositions: Int? {
        if case .alibi = transformer.spec.position { return nil }
        return transformer.spec.context
    }

    /// Runs `tokens` after those already seen and returns the logits of each, `[count, d_vocab_out]`.
    public func append(_ tokens: [Int]) throws(TLError) -> FloatTensor {
        let logits = try transformer.run(tokens: [tokens], recorder: nil, cache: cache)
        return FloatTensor(shape: Array(logits.shape.dropFirst()), values: logits.values)
    }

    /// Runs `tokens` and returns the next-token logits after the last of them.
    public func nextLogits(after tokens: [Int]) throws(TLError) -> [Float] {
        let logits = try append(tokens)
        let vocab = transformer.spec.vocabOut
        return Array(logits.values.suffix(vocab))
    }
}
