/// The per-layer parameters of the xIELU activation, named as TransformerLens 2.18's `XIELU`
/// module holds them under `blocks.{l}.mlp.` (each a 0-dimensional tensor). Its `beta` (0.5) and
/// `eps` (-1e-6) are buffers, constants of transformers' `XIELUActivation` that training never
/// changes: like every buffer they are not written.
public enum XIELUParameters {
    /// softplus⁻¹ of the positive branch's coefficient.
    public static let alphaP = "act_fn.alpha_p"
    /// softplus⁻¹ of the negative branch's coefficient minus beta.
    public static let alphaN = "act_fn.alpha_n"

    public static let names = [alphaP, alphaN]
}
