/// How one canonical tensor is made from a checkpoint: a declaration line of a
/// family's tensor map.
///
/// Names are templates: `{l}` is a block index, `{e}` an expert index, and in
/// targets `{kv}` is `_` for grouped-query attention (TransformerLens's `_W_K`,
/// `_b_V`, …) and empty otherwise. Checkpoint names are written without the
/// family's optional prefixes (`transformer.`, `model.`, …).
public struct TensorRule: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A checkpoint tensor.
        case checkpoint(String)
        /// The output embedding: `lmHead` when the file has it; otherwise, when the
        /// config ties embeddings, the input embedding (files drop shared tensors).
        case unembedding(lmHead: String, embedding: String)
        /// Zeros of the canonical shape: TransformerLens materialises biases the model lacks.
        case zeros
        /// Ones of the canonical shape: TransformerLens's weights for a norm that has none (OLMo's LayerNorm).
        case ones

        /// The value a constant source fills its tensor with; nil for a checkpoint tensor.
        public var fill: Float? {
            switch self {
            case .zeros: return 0
            case .ones: return 1
            case .checkpoint, .unembedding: return nil
            }
        }
    }

    public let target: String
    public let source: Source
    public let transforms: [TensorTransform]
    /// The models (by layer count) the rule applies to: a layout that changed between the
    /// runs of one family (NeelNanda's `_old` SoLU models store small models' weights transposed).
    public let layers: ClosedRange<Int>

    public init(target: String, source: Source, transforms: [TensorTransform], layers: ClosedRange<Int> = 0...Int.max) {
        self.target = target
        self.source = source
        self.transforms = transforms
        self.layers = layers
    }

    /// This rule, only for models whose layer count is in `range`.
    public func when(layers range: ClosedRange<Int>) -> TensorRule {
        TensorRule(target: target, source: source, transforms: transforms, layers: range)
    }

    /// `target` ← checkpoint tensor `name`, through `transforms` in order.
    public static func map(_ target: String, _ name: String, _ transforms: TensorTransform...) -> TensorRule {
        TensorRule(target: target, source: .checkpoint(name), transforms: transforms)
    }

    /// `target` ← zeros.
    public static func zeros(_ target: String) -> TensorRule {
        TensorRule(target: target, source: .zeros, transforms: [])
    }

    /// `target` ← ones.
    public static func ones(_ target: String) -> TensorRule {
        TensorRule(target: target, source: .ones, transforms: [])
    }

    /// `unembed.W_U` ← `lmHead` (or the tied `embedding`), through `transforms`.
    public static func unembed(_ target: String, lmHead: String, tiedTo embedding: String,
                               _ transforms: TensorTransform...) -> TensorRule {
        TensorRule(target: target, source: .unembedding(lmHead: lmHead, embedding: embedding), transforms: transforms)
    }

    /// Whether the rule is instantiated once per block.
    public var isPerBlock: Bool { target.contains("{l}") }
    /// Whether the rule is instantiated once per expert.
    public var isPerExpert: Bool { target.contains("{e}") }
}

/// Fills in `{l}`, `{e}` and `{kv}` of a name template.
public func expandTemplate(_ template: String, layer: Int? = nil, expert: Int? = nil, groupedQuery: Bool = false) -> String {
    var name = template
    if let layer { name = name.replacing("{l}", with: String(layer)) }
    if let expert { name = name.replacing("{e}", with: String(expert)) }
    return name.replacing("{kv}", with: groupedQuery ? "_" : "")
}
