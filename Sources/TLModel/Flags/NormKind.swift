/// A normalisation as TransformerLens names it in `normalization_type` (a model without
/// normalisation has none: `CanonicalConfig.norm == nil`).
public enum NormKind: String, Sendable, CaseIterable, Codable {
    /// LayerNorm: centre, scale, then `w` and `b`.
    case layerNorm = "LN"
    /// LayerNorm whose weights were folded into its readers: centre and scale only.
    case layerNormPre = "LNPre"
    /// RMSNorm: scale, then `w` (Gemma's `1 + w` is already in the stored weight).
    case rms = "RMS"
    /// RMSNorm with folded weights: scale only.
    case rmsPre = "RMSPre"

    /// Whether it subtracts the mean (the LayerNorm kinds).
    public var centres: Bool { self == .layerNorm || self == .layerNormPre }
    public var hasWeight: Bool { self == .layerNorm || self == .rms }
    public var hasBias: Bool { self == .layerNorm }

    /// The kind once `fold_ln` has moved the weights into the readers.
    public var folded: NormKind {
        switch self {
        case .layerNorm, .layerNormPre: return .layerNormPre
        case .rms, .rmsPre: return .rmsPre
        }
    }

    /// The RMS kind with the same folding (`final_rms` turns a LayerNorm model's last norm into RMS).
    public var asRMS: NormKind { hasWeight ? .rms : .rmsPre }
}
