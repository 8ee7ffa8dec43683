/// An MLP activation as TransformerLens names it in `act_fn`.
public enum ActivationKind: String, Sendable, CaseIterable, Codable {
    /// Exact, with erf (PyTorch's default GELU).
    case gelu
    /// The tanh approximation (GPT-2).
    case geluNew = "gelu_new"
    case geluFast = "gelu_fast"
    case geluPytorchTanh = "gelu_pytorch_tanh"
    case relu
    case silu
    /// x · softmax(x) over the hidden units.
    case solu
    /// SoLU followed by the MLP's own LayerNorm (`mlp.ln`, `hook_mid`).
    case soluLN = "solu_ln"
    /// xIELU (Apertus): a quadratic for positive inputs, an ELU-like curve for negative ones, with
    /// learned coefficients per layer (`mlp.act_fn.alpha_p`, `alpha_n`, `beta`).
    case xielu

    /// Whether the MLP normalises its hidden units after the activation.
    public var hasHiddenNorm: Bool { self == .soluLN }

    /// Whether each MLP carries the activation's own parameters (`mlp.act_fn.*`, TransformerLens's `XIELU`).
    public var hasParameters: Bool { self == .xielu }
}
