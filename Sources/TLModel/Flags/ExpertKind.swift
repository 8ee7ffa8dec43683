/// What one expert of a mixture-of-experts MLP computes. TransformerLens has no field for it:
/// 2.18 builds GPT-OSS's experts (`GptOssMoE`) by `original_architecture`, so that is what a
/// converted `config.json` carries.
public enum ExpertKind: Sendable, Equatable {
    /// `(act(x·W_gate) ⊙ x·W_in)·W_out`, no biases; router logits softmaxed over every expert
    /// (Mixtral, OLMoE).
    case gated
    /// GPT-OSS: `gate = min(x·W_gate + b_gate, limit)`, `up = clamp(x·W_in + b_in, ±limit)`,
    /// `((up + 1) ⊙ gate·σ(alpha·gate))·W_out + b_out`; the router has a bias and its top-k
    /// logits are softmaxed among themselves (the same weights as renormalising the full softmax).
    case clampedSwiGLU(alpha: Float, limit: Float)

    /// The architectures whose experts are `clampedSwiGLU` (transformers' and TransformerLens's constants).
    public static let gptOssArchitectures: Set<String> = ["GptOssForCausalLM"]
    public static let gptOss = ExpertKind.clampedSwiGLU(alpha: 1.702, limit: 7)

    public init(originalArchitecture: String?) {
        if let originalArchitecture, Self.gptOssArchitectures.contains(originalArchitecture) {
            self = Self.gptOss
        } else {
            self = .gated
        }
    }

    /// Whether the router and every expert projection carry a bias (`*.bias` beside `*.weight`).
    public var hasBiases: Bool { self != .gated }
}
