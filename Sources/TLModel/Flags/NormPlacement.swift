/// Where a block's norms sit relative to attention and the MLP. TransformerLens has no field
/// for it: `use_normalization_before_and_after` marks Gemma 2's pair, and 3.x keys OLMo 2/3's
/// post-norm on `original_architecture`, so that is what a converted `config.json` carries.
public enum NormPlacement: String, Sendable, CaseIterable {
    /// `ln1`/`ln2` normalise the sublayer's input (pre-norm).
    case before
    /// `ln1`/`ln2` before, `ln1_post`/`ln2_post` on the sublayer's output (Gemma 2).
    case beforeAndAfter
    /// `ln1`/`ln2` normalise the sublayer's output before the residual add (OLMo 2/3):
    /// their weights cannot be folded, and the residual stream is never normalised but at the end.
    case after

    /// TransformerLens 3.x's `POST_NORM_ARCHITECTURES`.
    public static let postNormArchitectures: Set<String> = ["Olmo2ForCausalLM", "Olmo3ForCausalLM"]
}
