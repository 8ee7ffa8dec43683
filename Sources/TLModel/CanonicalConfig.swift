import Foundation
import TLCore

/// TransformerLens's `HookedTransformerConfig`, field for field (2.16.1), with its
/// defaults. It is what `config.json` of a converted model holds and what the
/// forward pass and the processing steps read. JSON keys are TransformerLens's
/// own names, so `HookedTransformerConfig(**json.load(f))` works in Python.
public struct CanonicalConfig: Codable, Sendable, Equatable {
    public var nLayers: Int
    public var dModel: Int
    public var nCtx: Int
    public var dHead: Int
    public var modelName: String = "custom"
    public var nHeads: Int = -1
    public var dMLP: Int?
    public var activation: ActivationKind?
    public var dVocab: Int = -1
    public var eps: Double = 1e-5
    public var useAttnResult = false
    public var useAttnScale = true
    public var attnScale: Double = -1
    public var useSplitQKVInput = false
    public var useHookMLPIn = false
    public var useAttnIn = false
    public var useQKNorm = false
    public var useLocalAttn = false
    public var ungroupGroupedQueryAttention = false
    public var originalArchitecture: String?
    public var fromCheckpoint = false
    public var checkpointIndex: Int?
    public var checkpointLabelType: String?
    public var checkpointValue: Int?
    public var tokenizerName: String?
    public var windowSize: Int?
    /// Per layer.
    public var attnTypes: [AttentionScope]?
    public var initMode: InitMode = .gpt2
    /// nil: no normalisation.
    public var norm: NormKind? = .layerNorm
    public var device: String?
    public var nDevices = 1
    public var attentionDirection: AttentionDirection = .causal
    public var attnOnly = false
    public var seed: Int?
    public var initializerRange: Double = -1
    public var initWeights = true
    public var scaleAttnByInverseLayerIdx = false
    public var position: PositionKind = .standard
    public var finalRMS = false
    public var dVocabOut: Int = -1
    public var parallelAttnMLP = false
    public var rotaryDim: Int?
    public var nParams: Int?
    public var useHookTokens = false
    public var gatedMLP = false
    public var defaultPrependBOS = true
    /// Written as its torch name ("float32", "float16", "bfloat16").
    public var dtype: DType = .f32
    public var tokenizerPrependsBOS: Bool?
    public var nKeyValueHeads: Int?
    public var postEmbeddingLN = false
    public var rotaryBase: Double = 10000
    /// The rotary base of local (sliding-window) layers when it differs from `rotaryBase`
    /// (Gemma 3: 10k local, 1M global); nil: every layer uses `rotaryBase`. TransformerLens 2.18's
    /// `rotary_base_local`, written only when set, so other models' configs load in 2.16.
    public var rotaryBaseLocal: Double?
    public var trustRemoteCode = false
    public var rotaryAdjacentPairs = false
    public var loadIn4bit = false
    public var numExperts: Int?
    public var expertsPerToken: Int?
    public var relativeAttentionMaxDistance: Int?
    public var relativeAttentionNumBuckets: Int?
    public var decoderStartTokenID: Int?
    public var tieWordEmbeddings = false
    public var useNormalizationBeforeAndAfter = false
    public var attnScoresSoftCap: Double = -1
    public var outputLogitsSoftCap: Double = -1
    public var useNTKByPartsRope = false
    public var NTKByPartsLowFreqFactor: Double = 1
    public var NTKByPartsHighFreqFactor: Double = 4
    public var NTKByPartsFactor: Double = 8
    public var NTKOriginalCtxLen: Int = 8192
    /// TransformerLens 3.x: Q, K and V clamped to ±clip after projection (OLMo, OLMoE).
    /// Written only when set, so TransformerLens 2.x still reads every other model's config.
    public var clipQKV: Double?
    /// TransformerLens 3.x: whether the top-k router weights are renormalised to sum to one
    /// (OLMoE's `norm_topk_prob`); nil (Mixtral) renormalises. Written only when set.
    public var normTopKProb: Bool?
    /// TransformerLens 3.x: a learned per-head logit (`attn.sinks`) joins each softmax
    /// denominator (GPT-OSS). Written only when set.
    public var useAttentionSinks = false
    /// TransformerLens 3.x: YaRN rotary scaling (`use_yarn_rope`, `yarn_*`). Written only when set.
    public var yarn: YarnRope?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nLayers = "n_layers", dModel = "d_model", nCtx = "n_ctx", dHead = "d_head"
        case modelName = "model_name", nHeads = "n_heads", dMLP = "d_mlp", activation = "act_fn"
        case dVocab = "d_vocab", eps, useAttnResult = "use_attn_result", useAttnScale = "use_attn_scale"
        case attnScale = "attn_scale", useSplitQKVInput = "use_split_qkv_input"
        case useHookMLPIn = "use_hook_mlp_in", useAttnIn = "use_attn_in", useQKNorm = "use_qk_norm"
        case useLocalAttn = "use_local_attn"
        case ungroupGroupedQueryAttention = "ungroup_grouped_query_attention"
        case originalArchitecture = "original_architecture", fromCheckpoint = "from_checkpoint"
        case checkpointIndex = "checkpoint_index", checkpointLabelType = "checkpoint_label_type"
        case checkpointValue = "checkpoint_value", tokenizerName = "tokenizer_name"
        case windowSize = "window_size", attnTypes = "attn_types", initMode = "init_mode"
        case norm = "normalization_type", device, nDevices = "n_devices"
        case attentionDirection = "attention_dir", attnOnly = "attn_only", seed
        case initializerRange = "initializer_range", initWeights = "init_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case position = "positional_embedding_type", finalRMS = "final_rms"
        case dVocabOut = "d_vocab_out", parallelAttnMLP = "parallel_attn_mlp", rotaryDim = "rotary_dim"
        case nParams = "n_params", useHookTokens = "use_hook_tokens", gatedMLP = "gated_mlp"
        case defaultPrependBOS = "default_prepend_bos", dtype
        case tokenizerPrependsBOS = "tokenizer_prepends_bos", nKeyValueHeads = "n_key_value_heads"
        case postEmbeddingLN = "post_embedding_ln", rotaryBase = "rotary_base"
        case rotaryBaseLocal = "rotary_base_local"
        case trustRemoteCode = "trust_remote_code", rotaryAdjacentPairs = "rotary_adjacent_pairs"
        case loadIn4bit = "load_in_4bit", numExperts = "num_experts", expertsPerToken = "experts_per_token"
        case relativeAttentionMaxDistance = "relative_attention_max_distance"
        case relativeAttentionNumBuckets = "relative_attention_num_buckets"
        case decoderStartTokenID = "decoder_start_token_id", tieWordEmbeddings = "tie_word_embeddings"
        case useNormalizationBeforeAndAfter = "use_normalization_before_and_after"
        case attnScoresSoftCap = "attn_scores_soft_cap", outputLogitsSoftCap = "output_logits_soft_cap"
        case useNTKByPartsRope = "use_NTK_by_parts_rope"
        case NTKByPartsLowFreqFactor = "NTK_by_parts_low_freq_factor"
        case NTKByPartsHighFreqFactor = "NTK_by_parts_high_freq_factor"
        case NTKByPartsFactor = "NTK_by_parts_factor", NTKOriginalCtxLen = "NTK_original_ctx_len"
        case clipQKV = "clip_qkv", normTopKProb = "norm_topk_prob"
        case useAttentionSinks = "use_attention_sinks", useYarnRope = "use_yarn_rope", yarnFactor = "yarn_factor"
        case yarnAttentionFactor = "yarn_attention_factor", yarnBetaFast = "yarn_beta_fast"
        case yarnBetaSlow = "yarn_beta_slow", yarnOriginalContext = "yarn_original_max_position_embeddings"
        case yarnTruncate = "yarn_truncate", yarnGlobalOnly = "yarn_global_attn_only"
    }

    public init(nLayers: Int, dModel: Int, nCtx: Int, dHead: Int) {
        self.nLayers = nLayers
        self.dModel = dModel
        self.nCtx = nCtx
        self.dHead = dHead
    }

    /// Absent keys take TransformerLens's defaults; unknown keys are ignored.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(nLayers: 0, dModel: 0, nCtx: 0, dHead: 0)
        nLayers = try c.decode(Int.self, forKey: .nLayers)
        dModel = try c.decode(Int.self, forKey: .dModel)
        nCtx = try c.decode(Int.self, forKey: .nCtx)
        dHead = try c.decode(Int.self, forKey: .dHead)
        modelName = try c.decodeIfPresent(String.self, forKey: .modelName) ?? modelName
        nHeads = try c.decodeIfPresent(Int.self, forKey: .nHeads) ?? nHeads
        dMLP = try c.decodeIfPresent(Int.self, forKey: .dMLP)
        activation = try Self.flag(ActivationKind.self, .activation, in: c)
        dVocab = try c.decodeIfPresent(Int.self, forKey: .dVocab) ?? dVocab
        eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? eps
        useAttnResult = try c.decodeIfPresent(Bool.self, forKey: .useAttnResult) ?? useAttnResult
        useAttnScale = try c.decodeIfPresent(Bool.self, forKey: .useAttnScale) ?? useAttnScale
        attnScale = try c.decodeIfPresent(Double.self, forKey: .attnScale) ?? attnScale
        useSplitQKVInput = try c.decodeIfPresent(Bool.self, forKey: .useSplitQKVInput) ?? useSplitQKVInput
        useHookMLPIn = try c.decodeIfPresent(Bool.self, forKey: .useHookMLPIn) ?? useHookMLPIn
        useAttnIn = try c.decodeIfPresent(Bool.self, forKey: .useAttnIn) ?? useAttnIn
        useQKNorm = try c.decodeIfPresent(Bool.self, forKey: .useQKNorm) ?? useQKNorm
        useLocalAttn = try c.decodeIfPresent(Bool.self, forKey: .useLocalAttn) ?? useLocalAttn
        ungroupGroupedQueryAttention = try c.decodeIfPresent(Bool.self, forKey: .ungroupGroupedQueryAttention) ?? ungroupGroupedQueryAttention
        originalArchitecture = try c.decodeIfPresent(String.self, forKey: .originalArchitecture)
        fromCheckpoint = try c.decodeIfPresent(Bool.self, forKey: .fromCheckpoint) ?? fromCheckpoint
        checkpointIndex = try c.decodeIfPresent(Int.self, forKey: .checkpointIndex)
        checkpointLabelType = try c.decodeIfPresent(String.self, forKey: .checkpointLabelType)
        checkpointValue = try c.decodeIfPresent(Int.self, forKey: .checkpointValue)
        tokenizerName = try c.decodeIfPresent(String.self, forKey: .tokenizerName)
        windowSize = try c.decodeIfPresent(Int.self, forKey: .windowSize)
        attnTypes = try c.decodeIfPresent([String].self, forKey: .attnTypes)?.map { raw in
            guard let scope = AttentionScope(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(forKey: .attnTypes, in: c, debugDescription: Self.notOneOf(raw, AttentionScope.self))
            }
            return scope
        }
        initMode = try Self.flag(InitMode.self, .initMode, in: c) ?? initMode
        norm = try Self.flag(NormKind.self, .norm, in: c)
        device = try c.decodeIfPresent(String.self, forKey: .device)
        nDevices = try c.decodeIfPresent(Int.self, forKey: .nDevices) ?? nDevices
        attentionDirection = try Self.flag(AttentionDirection.self, .attentionDirection, in: c) ?? attentionDirection
        attnOnly = try c.decodeIfPresent(Bool.self, forKey: .attnOnly) ?? attnOnly
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? initializerRange
        initWeights = try c.decodeIfPresent(Bool.self, forKey: .initWeights) ?? initWeights
        scaleAttnByInverseLayerIdx = try c.decodeIfPresent(Bool.self, forKey: .scaleAttnByInverseLayerIdx) ?? scaleAttnByInverseLayerIdx
        position = try Self.flag(PositionKind.self, .position, in: c) ?? position
        finalRMS = try c.decodeIfPresent(Bool.self, forKey: .finalRMS) ?? finalRMS
        dVocabOut = try c.decodeIfPresent(Int.self, forKey: .dVocabOut) ?? dVocabOut
        parallelAttnMLP = try c.decodeIfPresent(Bool.self, forKey: .parallelAttnMLP) ?? parallelAttnMLP
        rotaryDim = try c.decodeIfPresent(Int.self, forKey: .rotaryDim)
        nParams = try c.decodeIfPresent(Int.self, forKey: .nParams)
        useHookTokens = try c.decodeIfPresent(Bool.self, forKey: .useHookTokens) ?? useHookTokens
        gatedMLP = try c.decodeIfPresent(Bool.self, forKey: .gatedMLP) ?? gatedMLP
        defaultPrependBOS = try c.decodeIfPresent(Bool.self, forKey: .defaultPrependBOS) ?? defaultPrependBOS
        if let name = try c.decodeIfPresent(String.self, forKey: .dtype) {
            guard let value = DType(torchName: name), value.isFloatingPoint else {
                throw DecodingError.dataCorruptedError(forKey: .dtype, in: c, debugDescription: "'\(name)' is not a float dtype")
            }
            dtype = value
        }
        tokenizerPrependsBOS = try c.decodeIfPresent(Bool.self, forKey: .tokenizerPrependsBOS)
        nKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .nKeyValueHeads)
        postEmbeddingLN = try c.decodeIfPresent(Bool.self, forKey: .postEmbeddingLN) ?? postEmbeddingLN
        rotaryBase = try c.decodeIfPresent(Double.self, forKey: .rotaryBase) ?? rotaryBase
        rotaryBaseLocal = try c.decodeIfPresent(Double.self, forKey: .rotaryBaseLocal)
        trustRemoteCode = try c.decodeIfPresent(Bool.self, forKey: .trustRemoteCode) ?? trustRemoteCode
        rotaryAdjacentPairs = try c.decodeIfPresent(Bool.self, forKey: .rotaryAdjacentPairs) ?? rotaryAdjacentPairs
        loadIn4bit = try c.decodeIfPresent(Bool.self, forKey: .loadIn4bit) ?? loadIn4bit
        numExperts = try c.decodeIfPresent(Int.self, forKey: .numExperts)
        expertsPerToken = try c.decodeIfPresent(Int.self, forKey: .expertsPerToken)
        relativeAttentionMaxDistance = try c.decodeIfPresent(Int.self, forKey: .relativeAttentionMaxDistance)
        relativeAttentionNumBuckets = try c.decodeIfPresent(Int.self, forKey: .relativeAttentionNumBuckets)
        decoderStartTokenID = try c.decodeIfPresent(Int.self, forKey: .decoderStartTokenID)
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? tieWordEmbeddings
        useNormalizationBeforeAndAfter = try c.decodeIfPresent(Bool.self, forKey: .useNormalizationBeforeAndAfter) ?? useNormalizationBeforeAndAfter
        attnScoresSoftCap = try c.decodeIfPresent(Double.self, forKey: .attnScoresSoftCap) ?? attnScoresSoftCap
        outputLogitsSoftCap = try c.decodeIfPresent(Double.self, forKey: .outputLogitsSoftCap) ?? outputLogitsSoftCap
        useNTKByPartsRope = try c.decodeIfPresent(Bool.self, forKey: .useNTKByPartsRope) ?? useNTKByPartsRope
        NTKByPartsLowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .NTKByPartsLowFreqFactor) ?? NTKByPartsLowFreqFactor
        NTKByPartsHighFreqFactor = try c.decodeIfPresent(Double.self, forKey: .NTKByPartsHighFreqFactor) ?? NTKByPartsHighFreqFactor
        NTKByPartsFactor = try c.decodeIfPresent(Double.self, forKey: .NTKByPartsFactor) ?? NTKByPartsFactor
        NTKOriginalCtxLen = try c.decodeIfPresent(Int.self, forKey: .NTKOriginalCtxLen) ?? NTKOriginalCtxLen
        clipQKV = try c.decodeIfPresent(Double.self, forKey: .clipQKV)
        normTopKProb = try c.decodeIfPresent(Bool.self, forKey: .normTopKProb)
        useAttentionSinks = try c.decodeIfPresent(Bool.self, forKey: .useAttentionSinks) ?? useAttentionSinks
        if try c.decodeIfPresent(Bool.self, forKey: .useYarnRope) == true {
            // TransformerLens 3.x's defaults for the fields a config leaves out.
            let factor = try c.decodeIfPresent(Double.self, forKey: .yarnFactor) ?? 1
            var y = YarnRope(factor: factor, attentionFactor: try c.decodeIfPresent(Double.self, forKey: .yarnAttentionFactor) ?? 1)
            y.betaFast = try c.decodeIfPresent(Double.self, forKey: .yarnBetaFast) ?? y.betaFast
            y.betaSlow = try c.decodeIfPresent(Double.self, forKey: .yarnBetaSlow) ?? y.betaSlow
            y.originalContext = try c.decodeIfPresent(Int.self, forKey: .yarnOriginalContext) ?? y.originalContext
            y.truncate = try c.decodeIfPresent(Bool.self, forKey: .yarnTruncate) ?? y.truncate
            y.globalOnly = try c.decodeIfPresent(Bool.self, forKey: .yarnGlobalOnly) ?? y.globalOnly
            yarn = y
        }
    }

    /// A flag's TransformerLens string as its typed value; an unknown string is a decoding error naming the choices.
    private static func flag<Flag: RawRepresentable & CaseIterable>(
        _ type: Flag.Type, _ key: CodingKeys, in c: KeyedDecodingContainer<CodingKeys>
    ) throws -> Flag? where Flag.RawValue == String {
        guard let raw = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = Flag(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: notOneOf(raw, Flag.self))
        }
        return value
    }

    private static func notOneOf<Flag: RawRepresentable & CaseIterable>(_ raw: String, _ type: Flag.Type) -> String
    where Flag.RawValue == String {
        "'\(raw)' is not one of " + Flag.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// Every field is written, `nil` as JSON null (as TransformerLens's `to_dict` holds None).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nLayers, forKey: .nLayers)
        try c.encode(dModel, forKey: .dModel)
        try c.encode(nCtx, forKey: .nCtx)
        try c.encode(dHead, forKey: .dHead)
        try c.encode(modelName, forKey: .modelName)
        try c.encode(nHeads, forKey: .nHeads)
        try c.encode(dMLP, forKey: .dMLP)
        try c.encode(activation, forKey: .activation)
        try c.encode(dVocab, forKey: .dVocab)
        try c.encode(eps, forKey: .eps)
        try c.encode(useAttnResult, forKey: .useAttnResult)
        try c.encode(useAttnScale, forKey: .useAttnScale)
        try c.encode(attnScale, forKey: .attnScale)
        try c.encode(useSplitQKVInput, forKey: .useSplitQKVInput)
        try c.encode(useHookMLPIn, forKey: .useHookMLPIn)
        try c.encode(useAttnIn, forKey: .useAttnIn)
        try c.encode(useQKNorm, forKey: .useQKNorm)
        try c.encode(useLocalAttn, forKey: .useLocalAttn)
        try c.encode(ungroupGroupedQueryAttention, forKey: .ungroupGroupedQueryAttention)
        try c.encode(originalArchitecture, forKey: .originalArchitecture)
        try c.encode(fromCheckpoint, forKey: .fromCheckpoint)
        try c.encode(checkpointIndex, forKey: .checkpointIndex)
        try c.encode(checkpointLabelType, forKey: .checkpointLabelType)
        try c.encode(checkpointValue, forKey: .checkpointValue)
        try c.encode(tokenizerName, forKey: .tokenizerName)
        try c.encode(windowSize, forKey: .windowSize)
        try c.encode(attnTypes, forKey: .attnTypes)
        try c.encode(initMode, forKey: .initMode)
        try c.encode(norm, forKey: .norm)
        try c.encode(device, forKey: .device)
        try c.encode(nDevices, forKey: .nDevices)
        try c.encode(attentionDirection, forKey: .attentionDirection)
        try c.encode(attnOnly, forKey: .attnOnly)
        try c.encode(seed, forKey: .seed)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(initWeights, forKey: .initWeights)
        try c.encode(scaleAttnByInverseLayerIdx, forKey: .scaleAttnByInverseLayerIdx)
        try c.encode(position, forKey: .position)
        try c.encode(finalRMS, forKey: .finalRMS)
        try c.encode(dVocabOut, forKey: .dVocabOut)
        try c.encode(parallelAttnMLP, forKey: .parallelAttnMLP)
        try c.encode(rotaryDim, forKey: .rotaryDim)
        try c.encode(nParams, forKey: .nParams)
        try c.encode(useHookTokens, forKey: .useHookTokens)
        try c.encode(gatedMLP, forKey: .gatedMLP)
        try c.encode(defaultPrependBOS, forKey: .defaultPrependBOS)
        try c.encode(dtype.torchName, forKey: .dtype)
        try c.encode(tokenizerPrependsBOS, forKey: .tokenizerPrependsBOS)
        try c.encode(nKeyValueHeads, forKey: .nKeyValueHeads)
        try c.encode(postEmbeddingLN, forKey: .postEmbeddingLN)
        try c.encode(rotaryBase, forKey: .rotaryBase)
        try c.encodeIfPresent(rotaryBaseLocal, forKey: .rotaryBaseLocal)
        try c.encode(trustRemoteCode, forKey: .trustRemoteCode)
        try c.encode(rotaryAdjacentPairs, forKey: .rotaryAdjacentPairs)
        try c.encode(loadIn4bit, forKey: .loadIn4bit)
        try c.encode(numExperts, forKey: .numExperts)
        try c.encode(expertsPerToken, forKey: .expertsPerToken)
        try c.encode(relativeAttentionMaxDistance, forKey: .relativeAttentionMaxDistance)
        try c.encode(relativeAttentionNumBuckets, forKey: .relativeAttentionNumBuckets)
        try c.encode(decoderStartTokenID, forKey: .decoderStartTokenID)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(useNormalizationBeforeAndAfter, forKey: .useNormalizationBeforeAndAfter)
        try c.encode(attnScoresSoftCap, forKey: .attnScoresSoftCap)
        try c.encode(outputLogitsSoftCap, forKey: .outputLogitsSoftCap)
        try c.encode(useNTKByPartsRope, forKey: .useNTKByPartsRope)
        try c.encode(NTKByPartsLowFreqFactor, forKey: .NTKByPartsLowFreqFactor)
        try c.encode(NTKByPartsHighFreqFactor, forKey: .NTKByPartsHighFreqFactor)
        try c.encode(NTKByPartsFactor, forKey: .NTKByPartsFactor)
        try c.encode(NTKOriginalCtxLen, forKey: .NTKOriginalCtxLen)
        try c.encodeIfPresent(clipQKV, forKey: .clipQKV)
        try c.encodeIfPresent(normTopKProb, forKey: .normTopKProb)
        if useAttentionSinks { try c.encode(true, forKey: .useAttentionSinks) }
        if let yarn {
            try c.encode(true, forKey: .useYarnRope)
            try c.encode(yarn.factor, forKey: .yarnFactor)
            try c.encode(yarn.attentionFactor, forKey: .yarnAttentionFactor)
            try c.encode(yarn.betaFast, forKey: .yarnBetaFast)
            try c.encode(yarn.betaSlow, forKey: .yarnBetaSlow)
            try c.encode(yarn.originalContext, forKey: .yarnOriginalContext)
            try c.encode(yarn.truncate, forKey: .yarnTruncate)
            try c.encode(yarn.globalOnly, forKey: .yarnGlobalOnly)
        }
    }
}

extension CanonicalConfig {
    /// Values TransformerLens's `__post_init__` derives; call after setting the fields.
    public mutating func applyDerivedDefaults() {
        if nHeads == -1 { nHeads = dModel / dHead }
        if !attnOnly && dMLP == nil { dMLP = dModel * 4 }
        if initializerRange < 0 { initializerRange = initMode == .gpt2 ? 0.8 / Double(dModel).squareRoot() : 1.0 }
        if dVocabOut == -1 { dVocabOut = dVocab }
        if position == .rotary && rotaryDim == nil { rotaryDim = dHead }
        var params = nLayers * dModel * dHead * nHeads * 4
        if !attnOnly, let dMLP {
            var mlp = dModel * dMLP * (2 + (gatedMLP ? 1 : 0))
            if let numExperts, numExperts > 0 { mlp = (mlp + dModel) * numExperts }
            params += nLayers * mlp
        }
        nParams = params
        if useAttnScale && attnScale == -1 { attnScale = Double(dHead).squareRoot() }
    }

    /// The TransformerLens class this config builds (by `original_architecture`).
    public var modelClass: ModelClass { ModelClass(originalArchitecture: originalArchitecture) }

    /// Key/value heads: `nKeyValueHeads` for grouped-query attention, else `nHeads`.
    public var kvHeads: Int { nKeyValueHeads ?? nHeads }
    /// Whether K and V are stored grouped (`_W_K`, `_W_V`) as TransformerLens names them.
    public var isGroupedQuery: Bool { nKeyValueHeads != nil }

    /// The last norm: `final_rms` makes a LayerNorm model's final norm an RMSNorm.
    public var finalNorm: NormKind? { finalRMS ? norm?.asRMS : norm }
    /// The norms after attention and after the MLP (`use_normalization_before_and_after`,
    /// Gemma 2): RMSNorms that keep their weights when the norms before are folded.
    public var normAfter: NormKind? {
        guard useNormalizationBeforeAndAfter, let norm else { return nil }
        return norm.centres ? norm : .rms
    }
    /// Where the block norms sit (OLMo 2/3 by `original_architecture`, as TransformerLens 3.x decides).
    public var normPlacement: NormPlacement {
        if let originalArchitecture, NormPlacement.postNormArchitectures.contains(originalArchitecture) { return .after }
        return useNormalizationBeforeAndAfter ? .beforeAndAfter : .before
    }
    /// The QK norms' scope, nil without QK norms (OLMo 2/3 and OLMoE by `original_architecture`).
    public var qkNormScope: QKNormScope? {
        if useQKNorm { return .perHead }
        if let originalArchitecture, QKNormScope.wholeProjectionArchitectures.contains(originalArchitecture) {
            return .wholeProjection
        }
        return nil
    }
    /// What each expert computes (GPT-OSS by `original_architecture`, as TransformerLens 2.18 decides).
    public var expertKind: ExpertKind { ExpertKind(originalArchitecture: originalArchitecture) }
    /// Whether the chosen experts' router weights are rescaled to sum to one.
    public var renormalisesTopK: Bool { normTopKProb ?? true }
    /// The MLP's norm over its hidden units (`solu_ln`): a LayerNorm, folded when the blocks' norms are.
    public var mlpHiddenNorm: NormKind? {
        guard activation?.hasHiddenNorm == true else { return nil }
        return norm == .layerNorm ? .layerNorm : .layerNormPre
    }
}
