import Foundation
import TLCore
import TLModel

/// TransformerLens's `HookedEncoder` forward pass (BERT) in float32 over canonical weights:
/// word + position + token-type embeddings and a LayerNorm, post-LN blocks with bidirectional
/// attention, then the MLM head (dense, GELU, LayerNorm, unembed) and, from the first token,
/// the pooler (dense, tanh) and the NSP head. Hooks carry HookedEncoder's names.
///
/// `attentionMask` (1 = real token, 0 = padding) hides padded keys from every query.
public struct Encoder: Sendable {
    public let config: CanonicalConfig
    let spec: ForwardSpec
    let embedding: Matrix
    let positionEmbedding: Matrix
    let tokenTypeEmbedding: Matrix
    let embeddingNorm: Norm
    let blocks: [Block]
    let heads: Heads?

    struct Block: Sendable {
        let attention: AttentionWeights
        let ln1: Norm
        let mlp: MLPWeights
        let ln2: Norm
    }

    struct Heads: Sendable {
        let mlm: Matrix
        let mlmBias: Matrix?
        let mlmNorm: Norm
        let unembed: Matrix
        let unembedBias: Matrix?
        let pooler: Matrix
        let poolerBias: Matrix?
        let nsp: Matrix
        let nspBias: Matrix?
    }

    /// The number of token types HookedEncoder's table holds.
    public static let tokenTypes = 2

    /// Validates every tensor the config calls for (name and shape) and packs them.
    public init(config: CanonicalConfig, weights: StateDict) throws(TLError) {
        guard config.modelClass == .hookedEncoder else {
            throw .unsupported("config: original_architecture '\(config.originalArchitecture ?? "none")' is not a HookedEncoder")
        }
        guard config.attentionDirection == .bidirectional, config.norm == .layerNorm else {
            throw .unsupported("config: a HookedEncoder needs attention_dir 'bidirectional' and normalization_type 'LN'")
        }
        // The shared weight packs are sized by a decoder spec; the attention here is the encoder's own.
        var sizing = config
        sizing.attentionDirection = .causal
        let spec = try ForwardSpec(sizing)
        guard spec.kvHeads == spec.heads, spec.experts == 0, !spec.gated, !spec.attentionOnly else {
            throw .unsupported("config: a HookedEncoder has plain multi-head attention and a standard MLP")
        }
        var derived = config
        derived.applyDerivedDefaults()
        self.config = derived
        self.spec = spec
        let reader = WeightReader(arrays: weights)
        let d = spec.dModel
        embedding = try reader.widenedMatrix("embed.embed.W_E", [spec.vocab, d], rows: spec.vocab, cols: d)
        positionEmbedding = try reader.widenedMatrix("embed.pos_embed.W_pos", [spec.context, d], rows: spec.context, cols: d)
        tokenTypeEmbedding = try reader.widenedMatrix("embed.token_type_embed.W_token_type", [Self.tokenTypes, d],
                                               rows: Self.tokenTypes, cols: d)
        embeddingNorm = try reader.norm(.layerNorm, name: "embed.ln", width: d, eps: spec.eps)
        var blocks = [Block]()
        for l in 0..<spec.layers {
            blocks.append(Block(
                attention: try AttentionWeights(layer: l, spec: spec, reader: reader),
                ln1: try reader.norm(.layerNorm, name: "blocks.\(l).ln1", width: d, eps: spec.eps),
                mlp: try MLPWeights(layer: l, spec: spec, reader: reader),
                ln2: try reader.norm(.layerNorm, name: "blocks.\(l).ln2", width: d, eps: spec.eps)))
        }
        self.blocks = blocks
        if config.hasEncoderHeads {
            heads = Heads(
                mlm: try reader.widenedMatrix("mlm_head.W", [d, d], rows: d, cols: d),
                mlmBias: try reader.optionalVector("mlm_head.b", [d]),
                mlmNorm: try reader.norm(.layerNorm, name: "mlm_head.ln", width: d, eps: spec.eps),
                unembed: try reader.widenedMatrix("unembed.W_U", [d, spec.vocabOut], rows: d, cols: spec.vocabOut),
                unembedBias: try reader.optionalVector("unembed.b_U", [spec.vocabOut]),
                pooler: try reader.widenedMatrix("pooler.W", [d, d], rows: d, cols: d),
                poolerBias: try reader.optionalVector("pooler.b", [d]),
                nsp: try reader.widenedMatrix("nsp_head.W", [d, 2], rows: d, cols: 2),
                nspBias: try reader.optionalVector("nsp_head.b", [2]))
        } else {
            heads = nil
        }
    }

    /// Whether the model has its MLM and NSP heads (a bare `BertModel` has none).
    public var hasHeads: Bool { heads != nil }

    /// What the model's heads give for a batch of equally long sequences.
    /// - Parameters:
    ///   - tokenTypes: `[batch][seq]` segment ids (0: sentence A, 1: sentence B); nil: all 0.
    ///   - head: `.mlm` runs the MLM head (HookedEncoder's forward); `.nsp` the pooler and the NSP
    ///     head instead (TransformerLens's `BertNextSentencePrediction`): each records only its own hooks.
    ///   - recorder: receives the activations its filter selects under HookedEncoder's hook names.
    public func run(tokens: [[Int]], tokenTypes: [[Int]]? = nil, attentionMask: [[Int]]? = nil, head: Head = .mlm,
                    recorder: ActivationRecorder? = nil) throws(TLError) -> EncoderOutput {
        let (batch, seq) = try validate(tokens: tokens, tokenTypes: tokenTypes, attentionMask: attentionMask)
        let keyMask = attentionMask?.map { $0.map { $0 != 0 } }
        let hooks = HookSite(recorder: recorder, batch: batch, positions: seq)
        let d = spec.dModel
        let rows = batch * seq
        let shape = [batch, seq, d]
        let words = Matrix(uninitializedRows: rows, cols: d)
        let positions = Matrix(uninitializedRows: rows, cols: d)
        let types = Matrix(uninitializedRows: rows, cols: d)
        for b in 0..<batch {
            for p in 0..<seq {
                let r = b * seq + p
                words.row(r).update(from: embedding.row(tokens[b][p]), count: d)
                positions.row(r).update(from: positionEmbedding.row(p), count: d)
                types.row(r).update(from: tokenTypeEmbedding.row(tokenTypes?[b][p] ?? 0), count: d)
            }
        }
        hooks.record("embed.hook_embed", words, shape: shape)
        hooks.record("embed.hook_pos_embed", positions, shape: shape)
        hooks.record("embed.hook_token_type_embed", types, shape: shape)
        // Summed in TransformerLens's order (words + positions, then + types): the same float rounding.
        words.add(positions)
        words.add(types)
        var residual = words
        embeddingNorm.apply(residual, into: residual, hooks: hooks)
        hooks.record("hook_full_embed", residual, shape: shape)
        for (l, block) in blocks.enumerated() {
            residual = forward(block: block, layer: l, residual, hooks: hooks, keyMask: keyMask)
        }
        let hidden = residual.tensor(shape: shape)
        guard let heads else { return EncoderOutput(hiddenStates: hidden, logits: nil, nspLogits: nil) }
        switch head {
        case .mlm:
            return EncoderOutput(hiddenStates: hidden, logits: mlm(residual, heads: heads, hooks: hooks), nspLogits: nil)
        case .nsp:
            return EncoderOutput(hiddenStates: hidden, logits: nil, nspLogits: nsp(residual, heads: heads, hooks: hooks))
        }
    }

    /// Which head a run ends in.
    public enum Head: Sendable {
        case mlm, nsp
    }

    /// dense → GELU → LayerNorm → unembed, at every position.
    private func mlm(_ residual: Matrix, heads: Heads, hooks: HookSite) -> FloatTensor {
        let (rows, d) = (residual.rows, spec.dModel)
        let transformed = Matrix(uninitializedRows: rows, cols: d)
        BLAS.product(residual, heads.mlm, bias: heads.mlmBias, into: transformed)
        ActivationKind.gelu.apply(transformed.data, rows: rows, count: d, stride: d)
        heads.mlmNorm.apply(transformed, into: transformed, hooks: hooks)
        let logits = Matrix(uninitializedRows: rows, cols: spec.vocabOut)
        BLAS.product(transformed, heads.unembed, bias: heads.unembedBias, into: logits)
        return logits.tensor(shape: hooks.tokenShape + [spec.vocabOut])
    }

    /// The pooler (dense → tanh) on each sequence's first token, then the NSP head.
    private func nsp(_ residual: Matrix, heads: Heads, hooks: HookSite) -> FloatTensor {
        let (batch, seq, d) = (hooks.batch, hooks.positions, spec.dModel)
        let first = Matrix(uninitializedRows: batch, cols: d)
        for b in 0..<batch { first.row(b).update(from: residual.row(b * seq), count: d) }
        let pooled = Matrix(uninitializedRows: batch, cols: d)
        BLAS.product(first, heads.pooler, bias: heads.poolerBias, into: pooled)
        for i in 0..<pooled.count { pooled.data[i] = tanhf(pooled.data[i]) }
        hooks.record("pooler.hook_pooler_out", pooled, shape: [batch, d])
        let out = Matrix(uninitializedRows: batch, cols: 2)
        BLAS.product(pooled, heads.nsp, bias: heads.nspBias, into: out)
        hooks.record("nsp_head.hook_nsp_out", out, shape: [batch, 2])
        return out.tensor(shape: [batch, 2])
    }

    /// One post-LN block: `ln1(x + attn(x))`, then `ln2(h + mlp(h))`.
    private func forward(block: Block, layer l: Int, _ residual: Matrix, hooks: HookSite, keyMask: [[Bool]]?) -> Matrix {
        let shape = hooks.tokenShape + [spec.dModel]
        hooks.record("blocks.\(l).hook_resid_pre", residual, shape: shape)
        let attention = EncoderAttention(layer: l, heads: spec.heads, dHead: spec.dHead, dModel: spec.dModel,
                                         scale: spec.attentionScales[l], weights: block.attention)
        let attentionOut = attention(residual, hooks: hooks, keyMask: keyMask)
        hooks.record("blocks.\(l).hook_attn_out", attentionOut, shape: shape)
        residual.add(attentionOut)
        hooks.record("blocks.\(l).hook_resid_mid", residual, shape: shape)
        let normalized = Matrix(uninitializedRows: residual.rows, cols: residual.cols)
        block.ln1.apply(residual, into: normalized, hooks: hooks)
        let mlpOut = MLPForward(spec: spec, layer: l, weights: block.mlp, xielu: nil)(normalized, hooks: hooks)
        hooks.record("blocks.\(l).hook_mlp_out", mlpOut, shape: shape)
        normalized.add(mlpOut)
        hooks.record("blocks.\(l).hook_resid_post", normalized, shape: shape)
        block.ln2.apply(normalized, into: normalized, hooks: hooks)
        hooks.record("blocks.\(l).hook_normalized_resid_post", normalized, shape: shape)
        return normalized
    }

    private func validate(tokens: [[Int]], tokenTypes: [[Int]]?, attentionMask: [[Int]]?) throws(TLError) -> (Int, Int) {
        let seq = try TokenBatch.shape(of: tokens, vocab: spec.vocab).seq
        guard seq <= spec.context else {
            throw .badTensor(name: "input_ids", problem: "\(seq) positions exceed n_ctx \(spec.context)")
        }
        if let tokenTypes {
            try TokenBatch.checkSameShape(tokenTypes, as: tokens, name: "token_type_ids")
            for (b, row) in tokenTypes.enumerated() {
                if let p = row.firstIndex(where: { $0 < 0 || $0 >= Self.tokenTypes }) {
                    throw .badTensor(name: "token_type_ids", problem: "value \(row[p]) at [\(b), \(p)] is not 0 or 1")
                }
            }
        }
        if let attentionMask {
            try TokenBatch.checkSameShape(attentionMask, as: tokens, name: "attention_mask")
        }
        return (tokens.count, seq)
    }
}
