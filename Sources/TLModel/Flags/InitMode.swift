/// TransformerLens's `init_mode`: how `HookedTransformer` would initialise fresh weights.
/// Conversions never initialise, but the mode sets the derived `initializer_range`.
public enum InitMode: String, Sendable, CaseIterable, Codable {
    case gpt2
    case xavierUniform = "xavier_uniform"
    case xavierNormal = "xavier_normal"
    case kaimingUniform = "kaiming_uniform"
    case kaimingNormal = "kaiming_normal"
    case muP
}
