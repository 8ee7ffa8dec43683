import Foundation
import TLCore
import TLModel

/// How tokens learn their position.
enum PositionScheme: Sendable {
    /// Learned absolute positions added to the embedding (`pos_embed.W_pos`; OPT's offset is in the weights).
    case learned
    /// Rotary embedding of queries and keys.
    case rotary(Rotary)
    /// ALiBi biases on the attention scores.
    case alibi([Float])
    /// Learned positions added to the queries' and keys' inputs only, not the residual stream.
    case shortformer
}

/// The feature flags of `CanonicalConfig` resolved once into what the forward pass
/// branches on, with every unsupported or inconsistent setting rejected up front.
struct ForwardSpec: Sendable {
    let layers: Int
    let dModel: Int
    let dHead: Int
    let heads: Int
    let kvHeads: Int
    let dMLP: Int
    let vocab: Int
    let vocabOut: Int
    let context: Int
    let eps: Float
    let norm: NormKind?
    /// `final_rms`: the final norm is RMS even though blocks use LayerNorm.
    let finalNorm: NormKind?
    /// Gemma 2: norms after attention and after the MLP too.
    let normAfter: NormKind?
    /// Whether `ln1`/`ln2` sit before their sublayer, after it (OLMo 2/3), or both with `_post` (Gemma 2).
    let normPlacement: NormPlacement
    /// SoLU's norm over the MLP's hidden units.
    let mlpHiddenNorm: NormKind?
    let postEmbeddingNorm: Bool
    let position: PositionScheme
    /// The rotary embedding of local layers when they have their own base (`rotary_base_local`).
    let localRotary: Rotary?
    let activation: ActivationKind?
    let gated: Bool
    let experts: Int
    let expertsPerToken: Int
    let attentionOnly: Bool
    let parallel: Bool
    /// RMS norms of queries and keys, per head or over the whole projection.
    let qkNorm: QKNormScope?
    /// OLMo's `clip_qkv`: Q, K and V clamped to ±clip after projection and QK norm.
    let clip: Float?
    /// Whether the chosen experts' router weights are rescaled to sum to one (OLMoE: `norm_topk_prob`).
    let renormalisesTopK: Bool
    /// What each expert computes (GPT-OSS: clamped SwiGLU with biases).
    let expertKind: ExpertKind
    /// GPT-OSS: a learned per-head logit (`attn.sinks`) in every softmax denominator.
    let attentionSinks: Bool
    /// Scores are divided by this (already including the inverse-layer-index factor per layer).
    let attentionScales: [Float]
    /// Local window per layer (nil = global causal).
    let windows: [Int?]
    let scoreSoftCap: Float?
    let logitSoftCap: Float?

    init(_ raw: CanonicalConfig) throws(TLError) {
        var config = raw
        config.applyDerivedDefaults()
        func require(_ condition: Bool, _ message: String) throws(TLError) {
            if !condition { throw .unsupported("config: \(message)") }
        }
        try require(config.nLayers >= 0, "n_layers must be ≥ 0")
        try require(config.dModel > 0 && config.dHead > 0 && config.nHeads > 0,
                    "d_model, d_head and n_heads must be positive")
        try require(config.dVocab > 0, "d_vocab must be positive")
        try require(config.nCtx > 0, "n_ctx must be positive")
        try require(config.attentionDirection == .causal, "attention_dir '\(config.attentionDirection.rawValue)' is not supported (causal only)")
        layers = config.nLayers
        dModel = config.dModel
        dHead = config.dHead
        heads = config.nHeads
        kvHeads = config.kvHeads
        try require(kvHeads > 0 && heads % kvHeads == 0,
                    "n_heads (\(heads)) must be a multiple of n_key_value_heads (\(kvHeads))")
        attentionOnly = config.attnOnly
        dMLP = config.dMLP ?? 0
        try require(attentionOnly || dMLP > 0, "d_mlp must be positive")
        vocab = config.dVocab
        vocabOut = config.dVocabOut
        context = config.nCtx
        eps = Float(config.eps)
        norm = config.norm
        finalNorm = config.finalNorm
        normAfter = config.normAfter
        normPlacement = config.normPlacement
        mlpHiddenNorm = config.mlpHiddenNorm
        if config.useNormalizationBeforeAndAfter {
            try require(norm?.centres == false,
                        "use_normalization_before_and_after needs an RMS normalization_type (as in TransformerLens)")
        }
        postEmbeddingNorm = config.postEmbeddingLN
        switch config.position {
        case .standard:
            position = .learned
        case .rotary:
            let dim = config.rotaryDim ?? config.dHead
            try require(dim > 0 && dim % 2 == 0 && dim <= config.dHead,
                        "rotary_dim \(dim) must be even and ≤ d_head \(config.dHead)")
            let ntk = config.useNTKByPartsRope
                ? NTKByParts(factor: config.NTKByPartsFactor, lowFrequencyFactor: config.NTKByPartsLowFreqFactor,
                             highFrequencyFactor: config.NTKByPartsHighFreqFactor,
                             originalContext: Double(config.NTKOriginalCtxLen))
                : nil
            if let yarn = config.yarn {
                try require(yarn.factor > 0 && yarn.attentionFactor.isFinite && yarn.betaFast > 0 && yarn.betaSlow > 0
                            && yarn.originalContext > 0, "YaRN needs a positive factor, betas and original context")
                try require(!config.useNTKByPartsRope, "use_yarn_rope and use_NTK_by_parts_rope exclude each other")
            }
            position = .rotary(Rotary(dim: dim, base: config.rotaryBase, adjacentPairs: config.rotaryAdjacentPairs,
                                      ntkByParts: ntk, yarn: config.yarn))
        case .alibi:
            position = .alibi(Alibi.slopes(heads: config.nHeads))
        case .shortformer:
            position = .shortformer
        case .relativePositionalBias:
            throw .unsupported("config: positional_embedding_type '\(config.position.rawValue)' is not supported (standard, rotary, alibi, shortformer)")
        }
        if attentionOnly {
            activation = nil
        } else {
            guard let kind = config.activation else { throw .unsupported("config: act_fn is missing") }
            activation = kind
        }
        gated = config.gatedMLP
        experts = config.numExperts ?? 0
        expertsPerToken = config.expertsPerToken ?? 0
        if experts > 0 {
            try require(expertsPerToken > 0 && expertsPerToken <= experts,
                        "experts_per_token must be between 1 and num_experts")
        }
        if activation == .xielu {
            try require(!gated && experts == 0, "xielu is only supported in a standard MLP")
        }
        if mlpHiddenNorm != nil {
            try require(!gated && experts == 0, "solu_ln is only supported in a standard MLP")
        }
        parallel = config.parallelAttnMLP
        qkNorm = config.qkNormScope
        if let bound = config.clipQKV {
            try require(bound > 0, "clip_qkv must be positive")
            clip = Float(bound)
        } else {
            clip = nil
        }
        renormalisesTopK = config.renormalisesTopK
        expertKind = config.expertKind
        attentionSinks = config.useAttentionSinks
        let baseScale = config.useAttnScale ? Float(config.attnScale) : 1
        attentionScales = (0..<config.nLayers).map { layer in
            config.scaleAttnByInverseLayerIdx ? baseScale * Float(layer + 1) : baseScale
        }
        if config.useLocalAttn {
            guard let types = config.attnTypes, types.count >= config.nLayers else {
                throw .unsupported("config: use_local_attn needs attn_types for every layer")
            }
            var windows = [Int?]()
            for scope in types.prefix(config.nLayers) {
                switch scope {
                case .global: windows.append(nil)
                case .local:
                    guard let size = config.windowSize, size > 0 else {
                        throw .unsupported("config: local attention needs a positive window_size")
                    }
                    windows.append(size)
                }
            }
            self.windows = windows
        } else {
            windows = Array(repeating: nil, count: config.nLayers)
        }
        // Local layers rotate with their own base and without the global layers' rescaling
        // (YaRN reaches them unless it is for global layers only).
        if case .rotary(let global) = position, config.rotaryBaseLocal != nil || config.yarn?.globalOnly == true {
            localRotary = Rotary(dim: global.dim, base: config.rotaryBaseLocal ?? config.rotaryBase,
                                 adjacentPairs: global.adjacentPairs, ntkByParts: nil,
                                 yarn: config.yarn?.globalOnly == true ? nil : config.yarn)
        } else {
            localRotary = nil
        }
        scoreSoftCap = config.attnScoresSoftCap > 0 ? Float(config.attnScoresSoftCap) : nil
        logitSoftCap = config.outputLogitsSoftCap > 0 ? Float(config.outputLogitsSoftCap) : nil
    }

    var groupSize: Int { heads / kvHeads }

    /// The norms around one sublayer (`ln1`: attention, `ln2`: MLP), by parameter prefix and kind.
    func norms(around sublayer: String) -> (before: (name: String, kind: NormKind)?, after: (name: String, kind: NormKind)?) {
        switch normPlacement {
        case .before: return (norm.map { (sublayer, $0) }, nil)
        case .beforeAndAfter: return (norm.map { (sublayer, $0) }, normAfter.map { (sublayer + "_post", $0) })
        case .after: return (nil, norm.map { (sublayer, $0) })
        }
    }

    /// The rotary embedding of one layer: a local layer's own when it has one, else the model's.
    func rotary(layer: Int) -> Rotary? {
        guard case .rotary(let global) = position else { return nil }
        return windows[layer] != nil ? localRotary ?? global : global
    }
}
