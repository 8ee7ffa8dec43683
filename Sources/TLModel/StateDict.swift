import TLCore

/// Canonical weights by TransformerLens `state_dict()` name (`blocks.0.attn.W_Q`, …).
/// It may hold the whole model or one `WeightGroup` of it (streaming works group by group).
public typealias StateDict = [String: FloatTensor]

/// The independent slices of a model that conversion and processing work on one at
/// a time: every processing step reads and writes inside one group only.
public enum WeightGroup: Hashable, Sendable, Comparable {
    /// `embed.*`, `pos_embed.*`, and `ln_embed` (Bloom's embedding norm).
    case embed
    /// `blocks.{l}.*`
    case block(Int)
    /// `ln_final.*` and `unembed.*` (the final norm folds into the unembed); an encoder's heads
    /// (`mlm_head.*`, `nsp_head.*`, `pooler.*`).
    case unembed

    /// The group a canonical parameter name belongs to, nil for an unknown name.
    public init?(parameter name: String) {
        if name.hasPrefix("blocks.") {
            let rest = name.dropFirst("blocks.".count)
            guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { return nil }
            self = .block(layer)
        } else if name.hasPrefix("embed.") || name.hasPrefix("pos_embed.") || name.hasPrefix("ln_embed.") {
            self = .embed
        } else if ["unembed.", "ln_final.", "mlm_head.", "nsp_head.", "pooler."].contains(where: name.hasPrefix) {
            self = .unembed
        } else {
            return nil
        }
    }

    /// Model order: embed, blocks 0…n-1, unembed.
    public static func all(layers: Int) -> [WeightGroup] {
        [.embed] + (0..<layers).map { .block($0) } + [.unembed]
    }

    private var order: (Int, Int) {
        switch self {
        case .embed: return (0, 0)
        case .block(let l): return (1, l)
        case .unembed: return (2, 0)
        }
    }

    public static func < (a: WeightGroup, b: WeightGroup) -> Bool { a.order < b.order }
}
