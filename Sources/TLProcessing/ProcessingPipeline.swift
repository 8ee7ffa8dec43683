import TLCore
import TLModel

/// The processing flags applied as TransformerLens 2.16.1's `from_pretrained` /
/// `load_and_process_state_dict` apply them: the same order (fold LN, centre writing
/// weights, centre unembed, fold value biases, refactor) and the same interplay —
/// - shortformer models: no fold, no centring;
/// - post-norm models (OLMo 2/3): no fold, no writing-weight centring (their norms read sublayer outputs);
/// - writing weights are centred only for LayerNorm models without `final_rms`;
/// - the unembed is not centred under an output logit soft-cap;
/// - value biases are not folded when attention has sinks (GPT-OSS; TransformerLens ignores the sinks);
/// - fold_ln turns LN into LNPre and RMS into RMSPre in the config.
/// One difference, on purpose: mixture-of-experts models are folded (see `FoldLayerNorm`)
/// where TransformerLens skips the fold yet drops the norm weights.
public struct ProcessingPipeline: GroupProcessing {
    public let options: ProcessingOptions

    public init(options: ProcessingOptions) {
        self.options = options
    }

    /// The steps that really run for one model, in order, with the reasons for any
    /// requested step skipped.
    public struct Plan: PreparedProcessing, Equatable {
        /// The unprocessed config every step reads.
        public let config: CanonicalConfig
        public var steps: [ProcessingOptions.Flag] = []
        public var notices: [String] = []

        /// The flags that take effect.
        public var applied: ProcessingOptions { ProcessingOptions(Set(steps)) }

        public var outputConfig: CanonicalConfig {
            var out = config
            if steps.contains(.foldLN) { out.norm = config.norm?.folded }
            return out
        }

        public func process(_ group: WeightGroup, weights: inout StateDict) throws(TLError) {
            for step in steps {
                try step.implementation.apply(to: group, weights: &weights, config: config)
            }
        }
    }

    public func prepare(for config: CanonicalConfig) throws(TLError) -> any PreparedProcessing {
        try plan(for: config)
    }

    /// Decides which steps run; throws for requests that must be refused.
    public func plan(for config: CanonicalConfig) throws(TLError) -> Plan {
        var plan = Plan(config: config)
        // TransformerLens processes neither HookedEncoder nor HookedEncoderDecoder (BERT's norms come
        // after attention and the MLP, so there is nothing to fold).
        if config.modelClass != .hookedTransformer, let flag = ProcessingOptions.Flag.allCases.first(where: { options[$0] }) {
            throw .usage("--\(flag.optionName): TransformerLens applies no processing to \(config.modelClass.rawValue) (\(config.originalArchitecture ?? "this model")); convert it without processing flags")
        }
        var foldLN = options.foldLN, centreWriting = options.centerWritingWeights, centreUnembed = options.centerUnembed
        if config.position == .shortformer && (foldLN || centreWriting || centreUnembed) {
            plan.notices.append("shortformer positional embeddings: not folding LayerNorm or centring weights "
                                + "(TransformerLens skips these too)")
            (foldLN, centreWriting, centreUnembed) = (false, false, false)
        }
        if config.normPlacement == .after && (foldLN || centreWriting) {
            plan.notices.append("norms after attention and the MLP (\(config.originalArchitecture ?? "post-norm")): not folding "
                                + "them or centring the writing weights (TransformerLens 3.x skips these too)")
            (foldLN, centreWriting) = (false, false)
        }
        if foldLN && config.norm == nil {
            plan.notices.append("normalization_type is null: nothing to fold")
            foldLN = false
        }
        let layerNorm = config.norm?.centres == true
        if foldLN && config.isMixtureOfExperts && layerNorm {
            throw .unsupported("--fold-ln: cannot fold LayerNorm biases into mixture-of-experts layers (they have no biases)")
        }
        if centreWriting && !layerNorm {
            plan.notices.append("normalization_type is \(config.norm?.rawValue ?? "null"), not LayerNorm: "
                                + "not centring the writing weights (TransformerLens skips this too)")
            centreWriting = false
        } else if centreWriting && config.finalRMS {
            plan.notices.append("final RMS normalization: not centring the writing weights (TransformerLens skips this too)")
            centreWriting = false
        }
        if centreUnembed && config.outputLogitsSoftCap > 0 {
            plan.notices.append("output logits are soft-capped: not centring the unembed "
                                + "(tanh is not shift-invariant; TransformerLens skips this too)")
            centreUnembed = false
        }
        var foldValueBiases = options.foldValueBiases
        if foldValueBiases && config.useAttentionSinks {
            // z = Σ_j p_j·(v_j + b_V) = Σ_j p_j·v_j + (Σ_j p_j)·b_V, and a sink takes its share of the
            // pattern (Σ_j p_j < 1, varying by position): b_V is not a constant of the output.
            plan.notices.append("attention sinks: not folding the value biases (attention patterns do not sum to one; "
                                + "TransformerLens 2.18, which ignores the sinks, folds them)")
            foldValueBiases = false
        }
        if options.refactorFactoredAttnMatrices {
            try RefactorFactoredAttn.checkSupported(config)
        }
        if foldLN { plan.steps.append(.foldLN) }
        if centreWriting { plan.steps.append(.centerWritingWeights) }
        if centreUnembed { plan.steps.append(.centerUnembed) }
        if foldValueBiases { plan.steps.append(.foldValueBiases) }
        if options.refactorFactoredAttnMatrices { plan.steps.append(.refactorFactoredAttnMatrices) }
        return plan
    }

    /// The config after processing.
    public func outputConfig(for config: CanonicalConfig) throws(TLError) -> CanonicalConfig {
        try plan(for: config).outputConfig
    }

    /// The whole model at once: splits `all` into groups, processes each, joins them.
    /// - Returns: the processed weights and the processed config.
    public func process(all: StateDict, config: CanonicalConfig) throws(TLError) -> (StateDict, CanonicalConfig) {
        var groups: [WeightGroup: StateDict] = [:]
        for (name, tensor) in all {
            guard let group = WeightGroup(parameter: name) else {
                throw .badTensor(name: name, problem: "not a TransformerLens parameter name (embed., pos_embed., blocks.N., ln_final., unembed.)")
            }
            if case .block(let l) = group, l >= config.nLayers {
                throw .badTensor(name: name, problem: "layer \(l) but the config has n_layers = \(config.nLayers)")
            }
            groups[group, default: [:]][name] = tensor
        }
        let plan = try plan(for: config)
        var result: StateDict = [:]
        for group in WeightGroup.all(layers: config.nLayers) {
            var weights = groups.removeValue(forKey: group) ?? [:]
            try plan.process(group, weights: &weights)
            result.merge(weights) { _, new in new }
        }
        return (result, plan.outputConfig)
    }
}

extension ProcessingOptions.Flag {
    /// The step that carries out this flag.
    var implementation: any ProcessingStep.Type {
        switch self {
        case .foldLN: return FoldLayerNorm.self
        case .centerWritingWeights: return CenterWritingWeights.self
        case .centerUnembed: return CenterUnembed.self
        case .foldValueBiases: return FoldValueBiases.self
        case .refactorFactoredAttnMatrices: return RefactorFactoredAttn.self
        }
    }
}
