import TLCore
import TLModel

/// The processing flags applied as TransformerLens 2.16.1's `from_pretrained` /
/// `load_and_process_state_dict` apply them: the same order (fold LN, centre writing
/// weights, centre unembed, fold value biases, refactor) and the same interplay —
/// - shortformer models: no fold, no centring;
/// - writing weights are centred only for LayerNorm models without `final_rms`;
/// - the unembed is not centred under an output logit soft-cap;
/// - fold_ln turns LN into LNPre and RMS into RMSPre in the config.
/// One difference, on purpose: mixture-of-experts models are folded (see `FoldLayerNorm`)
/// where TransformerLens skips the fold yet drops the norm weights.
public struct ProcessingPipeline: GroupProcessing {
    public let options: ProcessingOptions

    public init(options: ProcessingOptions) {
        self.options = options
    }

    /// The steps that really run for `config`, with the reasons for any requested step skipped.
    public struct Plan: Equatable, Sendable {
        public var steps: [Step] = []
        /// One line per requested step that does not apply to this model (for stderr).
        public var notices: [String] = []
    }

    public enum Step: String, CaseIterable, Sendable {
        case foldLayerNorm = "fold_ln"
        case centerWritingWeights = "center_writing_weights"
        case centerUnembed = "center_unembed"
        case foldValueBiases = "fold_value_biases"
        case refactorFactoredAttnMatrices = "refactor_factored_attn_matrices"

        var implementation: any ProcessingStep.Type {
            switch self {
            case .foldLayerNorm: return FoldLayerNorm.self
            case .centerWritingWeights: return CenterWritingWeights.self
            case .centerUnembed: return CenterUnembed.self
            case .foldValueBiases: return FoldValueBiases.self
            case .refactorFactoredAttnMatrices: return RefactorFactoredAttn.self
            }
        }
    }

    /// Decides which steps run; throws for requests that must be refused.
    public func plan(for config: CanonicalConfig) throws(TLError) -> Plan {
        var plan = Plan()
        var foldLN = options.foldLN, centreWriting = options.centerWritingWeights, centreUnembed = options.centerUnembed
        if config.positionalEmbeddingType == "shortformer" && (foldLN || centreWriting || centreUnembed) {
            plan.notices.append("shortformer positional embeddings: not folding LayerNorm or centring weights "
                                + "(TransformerLens skips these too)")
            (foldLN, centreWriting, centreUnembed) = (false, false, false)
        }
        let normalised = config.usesLayerNorm || config.usesRMSNorm
        if foldLN && !normalised {
            plan.notices.append("normalization_type is \(config.normalizationType ?? "null"): nothing to fold")
            foldLN = false
        }
        if foldLN && config.isMixtureOfExperts && config.usesLayerNorm {
            throw .unsupported("--fold-ln: cannot fold LayerNorm biases into mixture-of-experts layers (they have no biases)")
        }
        if centreWriting && !config.usesLayerNorm {
            plan.notices.append("normalization_type is \(config.normalizationType ?? "null"), not LayerNorm: "
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
        if options.refactorFactoredAttnMatrices {
            try RefactorFactoredAttn.checkSupported(config)
        }
        if foldLN { plan.steps.append(.foldLayerNorm) }
        if centreWriting { plan.steps.append(.centerWritingWeights) }
        if centreUnembed { plan.steps.append(.centerUnembed) }
        if options.foldValueBiases { plan.steps.append(.foldValueBiases) }
        if options.refactorFactoredAttnMatrices { plan.steps.append(.refactorFactoredAttnMatrices) }
        return plan
    }

    public func outputConfig(for config: CanonicalConfig) throws(TLError) -> CanonicalConfig {
        var out = config
        if try plan(for: config).steps.contains(.foldLayerNorm) {
            if config.usesLayerNorm { out.normalizationType = "LNPre" }
            if config.usesRMSNorm { out.normalizationType = "RMSPre" }
        }
        return out
    }

    /// Applies every planned step to one group. The notices are printed to stderr once,
    /// with the embed group (every model has exactly one).
    public func process(_ group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError) {
        let plan = try plan(for: config)
        if group == .embed {
            for notice in plan.notices { Console.error("note: \(notice)") }
        }
        for step in plan.steps {
            try step.implementation.apply(to: group, weights: &weights, config: config)
        }
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
        let outputConfig = try outputConfig(for: config)
        var result: StateDict = [:]
        for group in WeightGroup.all(layers: config.nLayers) {
            var weights = groups.removeValue(forKey: group) ?? [:]
            try process(group, weights: &weights, config: config)
            result.merge(weights) { _, new in new }
        }
        return (result, outputConfig)
    }
}
