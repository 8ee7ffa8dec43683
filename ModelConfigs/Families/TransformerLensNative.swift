import TLCore
import TLModel

extension ArchitectureModule {
    /// NeelNanda's toy models (attention-only, GELU, SoLU; shortformer demo) saved by
    /// TransformerLens itself: the file's names are `HookedTransformer`'s, so the map is the
    /// identity over whatever parameters the config's layout has.
    public static let neel = native("TransformerLens (NeelNanda)", "neel", tensors: nativeParameters.map { .map($0, $0) })

    /// NeelNanda's `_old` SoLU models (Pile): norms are named `norm` (`norm.w` is `ln_final.w`),
    /// models of up to 6 layers store every `W_*` transposed, and up to 8 layers `W_pos` too
    /// (TransformerLens's `convert_neel_solu_old_weights`).
    public static let neelSoluOld = native(
        "TransformerLens (NeelNanda old SoLU)", "neel-solu-old",
        tensors: nativeParameters.flatMap { target -> [TensorRule] in
            let source = target.replacing("ln_final.", with: "norm.").replacing("ln", with: "norm")
            guard let flip = oldLeftFacing[String(target.split(separator: ".").last ?? "")] else {
                return [.map(target, source)]
            }
            let through = target == "pos_embed.W_pos" ? 8 : 6
            return [TensorRule.map(target, source, flip).when(layers: 0...through),
                    TensorRule.map(target, source).when(layers: (through + 1)...Int.max)]
        })

    /// minGPT checkpoints (`redwood_attn_2l`): separate query/key/value Linear layers, an
    /// `nn.Sequential` MLP, `pos_emb` `[1, n_ctx, d_model]`, an untied `head` without bias
    /// (TransformerLens's `convert_mingpt_weights`; its `b_U` is zeros).
    public static let minGPT = native(
        "minGPT", "mingpt", buffers: ["blocks.{l}.attn.mask", "blocks.{l}.attn.bias"],
        tensors: [
            .map("embed.W_E", "tok_emb.weight"),
            .map("pos_embed.W_pos", "pos_emb", .rearrange("one c m -> c m", select: ["one": 0])),
            .map("blocks.{l}.ln1.w", "blocks.{l}.ln1.weight"),
            .map("blocks.{l}.ln1.b", "blocks.{l}.ln1.bias"),
            .map("blocks.{l}.attn.W_Q", "blocks.{l}.attn.query.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_K", "blocks.{l}.attn.key.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.W_V", "blocks.{l}.attn.value.weight", .rearrange("(n h) m -> n m h")),
            .map("blocks.{l}.attn.b_Q", "blocks.{l}.attn.query.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.b_K", "blocks.{l}.attn.key.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.b_V", "blocks.{l}.attn.value.bias", .rearrange("(n h) -> n h")),
            .map("blocks.{l}.attn.W_O", "blocks.{l}.attn.proj.weight", .rearrange("m (n h) -> n h m")),
            .map("blocks.{l}.attn.b_O", "blocks.{l}.attn.proj.bias"),
            .map("blocks.{l}.ln2.w", "blocks.{l}.ln2.weight"),
            .map("blocks.{l}.ln2.b", "blocks.{l}.ln2.bias"),
            .map("blocks.{l}.mlp.W_in", "blocks.{l}.mlp.0.weight", .transpose),
            .map("blocks.{l}.mlp.b_in", "blocks.{l}.mlp.0.bias"),
            .map("blocks.{l}.mlp.W_out", "blocks.{l}.mlp.2.weight", .transpose),
            .map("blocks.{l}.mlp.b_out", "blocks.{l}.mlp.2.bias"),
            .map("ln_final.w", "ln_f.weight"),
            .map("ln_final.b", "ln_f.bias"),
            .map("unembed.W_U", "head.weight", .transpose),
            .zeros("unembed.b_U"),
        ])

    /// A family read from TransformerLens's own config.json (`convert_neel_model_config`), whose
    /// rules cover every parameter such a model may have and the config's layout picks from.
    private static func native(_ family: String, _ tag: String, buffers: [String] = nativeBuffers,
                               tensors: [TensorRule]) -> ArchitectureModule {
        ArchitectureModule(family: family, architectures: [tag], buffers: buffers, rulesFollowLayout: true,
                           config: { hf throws(TLError) in try hf.transformerLensNativeConfig() }, tensors: tensors)
    }

    /// Every parameter a TransformerLens toy model may have; the config's layout picks its own.
    private static let nativeParameters = [
        "embed.W_E", "pos_embed.W_pos",
        "blocks.{l}.ln1.w", "blocks.{l}.ln1.b", "blocks.{l}.ln2.w", "blocks.{l}.ln2.b",
        "blocks.{l}.attn.W_Q", "blocks.{l}.attn.W_K", "blocks.{l}.attn.W_V", "blocks.{l}.attn.W_O",
        "blocks.{l}.attn.b_Q", "blocks.{l}.attn.b_K", "blocks.{l}.attn.b_V", "blocks.{l}.attn.b_O",
        "blocks.{l}.mlp.W_in", "blocks.{l}.mlp.b_in", "blocks.{l}.mlp.W_out", "blocks.{l}.mlp.b_out",
        "blocks.{l}.mlp.ln.w", "blocks.{l}.mlp.ln.b",
        "ln_final.w", "ln_final.b", "unembed.W_U", "unembed.b_U",
    ]

    /// `HookedTransformer`'s attention buffers, which `state_dict()` (and so these files) carries.
    private static let nativeBuffers = ["blocks.{l}.attn.mask", "blocks.{l}.attn.IGNORE"]

    /// How the old small SoLU models store each left-facing weight (`[out, in]`).
    private static let oldLeftFacing: [String: TensorTransform] = [
        "W_E": .transpose, "W_pos": .transpose, "W_U": .transpose, "W_in": .transpose, "W_out": .transpose,
        "W_Q": .rearrange("n h m -> n m h"), "W_K": .rearrange("n h m -> n m h"),
        "W_V": .rearrange("n h m -> n m h"), "W_O": .rearrange("n m h -> n h m"),
    ]
}
