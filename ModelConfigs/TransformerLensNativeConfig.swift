import TLCore
import TLModel

/// TransformerLens's own `config.json`, as NeelNanda's and ArthurConmy's Hub repos hold it
/// (no `architectures`; `d_model`, `n_layers`, `act_fn`, … under TransformerLens's names),
/// read the way `convert_neel_model_config` reads it. Training-run fields are ignored.
extension HFConfig {
    /// Whether this is a TransformerLens-native config rather than a Hugging Face one.
    public var isTransformerLensNative: Bool {
        architecture == nil && isWritten("d_model") && isWritten("n_layers") && isWritten("act_fn")
    }

    /// The architecture tag TransformerLens gives the checkpoint: the config's own
    /// `architecture` when written, else `neel-solu-old` for the `_old` SoLU layout (recognised
    /// by its `norm`-named tensors, or by the name as TransformerLens does), else `neel`.
    public func transformerLensArchitecture(name: String, tensorNames: [String]) throws(TLError) -> String {
        if let tag = try optionalString("architecture") { return tag }
        let normNamed = tensorNames.contains { $0.split(separator: ".").contains { $0.hasPrefix("norm") } }
        return normNamed || name.contains("_old") ? "neel-solu-old" : "neel"
    }

    /// `convert_neel_model_config`: the model's sizes and flags; `normalization` (older files)
    /// or `normalization_type`; `shortformer_pos` picks shortformer positions.
    public func transformerLensNativeConfig() throws(TLError) -> CanonicalConfig {
        var c = CanonicalConfig(nLayers: try int("n_layers"), dModel: try int("d_model"), nCtx: try int("n_ctx"),
                                dHead: try int("d_head"))
        c.nHeads = try int("n_heads")
        c.dVocab = try int("d_vocab")
        guard isWritten("attn_only") else { throw .badFile(path: path, problem: "missing boolean 'attn_only'") }
        c.attnOnly = try bool("attn_only", default: false)
        // Attention-only models may write any placeholder width (TransformerLens keeps it).
        c.dMLP = c.attnOnly ? json["d_mlp"]?.intValue : try int("d_mlp")
        if let name = try optionalString("act_fn") {
            guard let kind = ActivationKind(rawValue: name) else {
                throw .unsupported("\(path): activation '\(name)' has no TransformerLens equivalent")
            }
            c.activation = kind
        } else if !c.attnOnly {
            throw .badFile(path: path, problem: "missing string 'act_fn'")
        }
        c.finalRMS = try bool("final_rms", default: false)
        let normKey = isWritten("normalization") ? "normalization" : "normalization_type"
        guard isWritten(normKey) else { throw .badFile(path: path, problem: "missing 'normalization_type'") }
        if let name = try optionalString(normKey) {
            guard let kind = NormKind(rawValue: name) else {
                throw .badFile(path: path, problem: "'\(normKey)' '\(name)' is not one of LN, LNPre, RMS, RMSPre or null")
            }
            c.norm = kind
        } else {
            c.norm = nil
        }
        c.position = try bool("shortformer_pos", default: false) ? .shortformer : .standard
        c.tokenizerName = try optionalString("tokenizer_name")
        // The GPT-NeoX and GPT-2 tokenizers these configs name add no BOS of their own.
        c.tokenizerPrependsBOS = false
        return c
    }
}
