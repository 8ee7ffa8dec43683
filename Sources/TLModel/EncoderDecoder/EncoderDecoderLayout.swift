import TLCore

/// The parameters of TransformerLens 2.16.1's `HookedEncoderDecoder` (T5): an encoder stack
/// (`encoder.{l}.…`, `encoder_final_ln.w`) and a decoder stack with cross-attention
/// (`decoder.{l}.…`, `decoder_final_ln.w`), both `cfg.n_layers` deep, sharing `embed.W_E`.
/// Each stack's first block holds the relative position bias table every block of that stack uses.
///
/// Groups: the embed; blocks 0…n-1 the encoder's, n…2n-1 the decoder's; the unembed group holds
/// both final norms (they are the last parameters of each stack, next to nothing else).
public enum EncoderDecoderLayout {
    /// The stack a block group belongs to, and the layer within it.
    public enum Stack: String, Sendable { case encoder, decoder }

    public static func stack(ofBlock group: Int, layers: Int) -> (stack: Stack, layer: Int) {
        group < layers ? (.encoder, group) : (.decoder, group - layers)
    }

    static func shapes(for c: CanonicalConfig, group: WeightGroup) -> [(name: String, shape: [Int])] {
        let m = c.dModel
        switch group {
        case .embed:
            return [("embed.W_E", [c.dVocab, m])]
        case .block(let g):
            let (stack, l) = stack(ofBlock: g, layers: c.nLayers)
            let p = "\(stack.rawValue).\(l)."
            var out: [(String, [Int])] = [(p + "ln1.w", [m])]
            out += attention(p + "attn.", c, relativeBias: l == 0)
            out.append((p + "ln2.w", [m]))
            if stack == .decoder {
                out += attention(p + "cross_attn.", c, relativeBias: false)
                out.append((p + "ln3.w", [m]))
            }
            let f = c.dMLP ?? 4 * m
            out += [(p + "mlp.W_in", [m, f]), (p + "mlp.b_in", [f]), (p + "mlp.W_out", [f, m]), (p + "mlp.b_out", [m])]
            return out
        case .unembed:
            return [("encoder_final_ln.w", [m]), ("decoder_final_ln.w", [m]),
                    ("unembed.W_U", [m, c.dVocabOut]), ("unembed.b_U", [c.dVocabOut])]
        }
    }

    /// T5 attention: TransformerLens registers zero biases it never trains, and the bias table
    /// (`[buckets, heads]`) on the first block's self-attention.
    private static func attention(_ p: String, _ c: CanonicalConfig, relativeBias: Bool) -> [(String, [Int])] {
        let (n, m, h) = (c.nHeads, c.dModel, c.dHead)
        var out: [(String, [Int])] = [(p + "W_Q", [n, m, h]), (p + "W_K", [n, m, h]), (p + "W_V", [n, m, h]),
                                      (p + "W_O", [n, h, m]), (p + "b_Q", [n, h]), (p + "b_K", [n, h]),
                                      (p + "b_V", [n, h]), (p + "b_O", [m])]
        if relativeBias { out.append((p + "rel_pos_bias.weight", [c.relativeAttentionNumBuckets ?? 32, n])) }
        return out
    }

    /// The group of a parameter name, nil for a name this layout does not have.
    static func group(of name: String, layers: Int) -> WeightGroup? {
        if name.hasPrefix("embed.") { return .embed }
        if name.hasPrefix("unembed.") || name.hasPrefix("encoder_final_ln.") || name.hasPrefix("decoder_final_ln.") {
            return .unembed
        }
        for (stack, offset) in [("encoder.", 0), ("decoder.", layers)] where name.hasPrefix(stack) {
            let rest = name.dropFirst(stack.count)
            guard let dot = rest.firstIndex(of: "."), let l = Int(rest[..<dot]), l >= 0, l < layers else { return nil }
            return .block(offset + l)
        }
        return nil
    }
}

extension WeightGroup {
    /// Every group of a model, in order: an encoder-decoder has twice `n_layers` blocks.
    public static func all(for c: CanonicalConfig) -> [WeightGroup] {
        all(layers: c.modelClass == .hookedEncoderDecoder ? 2 * c.nLayers : c.nLayers)
    }

    /// The group of `name` in a model of config `c`.
    public init?(parameter name: String, config c: CanonicalConfig) {
        if c.modelClass == .hookedEncoderDecoder {
            guard let group = EncoderDecoderLayout.group(of: name, layers: c.nLayers) else { return nil }
            self = group
        } else {
            self.init(parameter: name)
        }
    }
}
