import Foundation

/// YaRN rotary scaling (transformers' `rope_type: "yarn"`): each rotated pair's frequency is
/// blended between the original (fast pairs, extrapolated) and the original divided by `factor`
/// (slow pairs, interpolated), along a linear ramp over the pairs whose wavelengths fall between
/// `betaFast` and `betaSlow` rotations of the original context; sin and cos are multiplied by
/// `attentionFactor`. TransformerLens 3.x's `use_yarn_rope` and `yarn_*` fields, written only when set.
public struct YarnRope: Sendable, Equatable {
    public var factor: Double
    /// The factor sin/cos are multiplied by (transformers' `attention_factor`, by default 0.1·ln(factor) + 1).
    public var attentionFactor: Double
    public var betaFast: Double = 32
    public var betaSlow: Double = 1
    /// The context the model was pretrained with (`original_max_position_embeddings`).
    public var originalContext: Int = 4096
    /// Whether the ramp's bounds are rounded outwards to whole pairs (transformers' `truncate`, default true).
    public var truncate = true
    /// YaRN on global layers only; local (sliding) layers rotate plainly (OLMo 3's per-layer-type rope).
    public var globalOnly = false

    public init(factor: Double, attentionFactor: Double) {
        self.factor = factor
        self.attentionFactor = attentionFactor
    }

    /// transformers' default attention factor for a scaling `factor` (`get_mscale`).
    public static func defaultAttentionFactor(_ factor: Double) -> Double {
        factor <= 1 ? 1 : 0.1 * log(factor) + 1
    }
}
