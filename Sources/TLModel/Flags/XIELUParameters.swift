/// The per-layer parameters of the xIELU activation, named as TransformerLens 2.18's `XIELU`
/// module holds them under `blocks.{l}.mlp.` (each a 0-dimensional tensor).
public enum XIELUParameters {
    /// softplus⁻¹ of the positive branch's coefficient.
    public static let alphaP = "act_fn.alpha_p"
    /// softplus⁻¹ of the negative branch's coefficient minus beta.
    public static let alphaN = "act_fn.alpha_n"
    /// The linear term's coefficient (a buffer in both transformers and TransformerLens).
    public static let beta = "act_fn.beta"

    public static let names = [alphaP, alphaN, beta]
}
