import Foundation
import TLCore
import TLModel

/// TransformerLens's `HookedTransformer` forward pass in float32 over canonical
/// weights, every matrix product through OpenBLAS. Built once (weights validated and
/// packed), then run on batches of token ids.
///
/// `attentionMask` (1 = real token, 0 = padding) hides padded keys; positions are not
/// shifted, so only right padding is supported (left padding is rejected).
public struct Transformer: Sendable {
    public let config: CanonicalConfig
    let spec: ForwardSpec
    let embedding: WeightMatrix
    let positionEmbedding: WeightMatrix?
    let embeddingNorm: Norm?
    let blocks: [Block]
    let finalNorm: Norm?
    let unembed: WeightMatrix
    let unembedBias: Matrix?

    struct Block: Sendable {
        let ln1: Norm?
        let ln1Post: Norm?
        let attention: AttentionWeights
        let ln2: Norm?
        let ln2Post: Norm?
        let mlp: MLPWeights?
        /// The MLP activation's own coefficients (xIELU), when it has them.
        let xielu: XIELU?
    }

    /// Validates every tensor the config calls for (name and shape) and packs them.
    public init(config: CanonicalConfig, weights: StateDict) throws(TLError) {
        try self.init(config: config, reader: WeightReader(arrays: weights))
    }

    /// Over a `WeightReader`: mapped tensors are validated and left in place.
    init(config: CanonicalConfig, reader: WeightReader) throws(TLError) {
        let spec = try ForwardSpec(config)
        var derived = config
        derived.applyDerivedDefaults()
        self.config = derived
        self.spec = spec
        let d = spec.dModel
        embedding = try reader.matrix("embed.W_E", [spec.vocab, d], rows: spec.vocab, cols: d)
        switch spec.position {
        case .learned, .shortformer:
            positionEmbedding = try reader.matrix("pos_embed.W_pos", [spec.context, d], rows: spec.context, cols: d)
        case .rotary, .alibi:
            positionEmbedding = nil
        }
        embeddingNorm = spec.postEmbeddingNorm
            ? try reader.norm(.layerNorm, name: "embed.ln", width: d, eps: spec.eps) : nil
        var blocks = [Block]()
        for l in 0..<spec.layers {
            func norm(_ slot: (name: String, kind: NormKind)?) throws(TLError) -> Norm? {
                guard let slot else { return nil }
                return try reader.norm(slot.kind, name: "blocks.\(l).\(slot.name)", width: d, eps: spec.eps)
            }
            let hasMLP = !spec.attentionOnly
            let (ln1, ln1Post) = spec.norms(around: "ln1")
            let (ln2, ln2Post) = hasMLP ? spec.norms(around: "ln2") : (nil, nil)
            blocks.append(Block(
                ln1: try norm(ln1), ln1Post: try norm(ln1Post),
                attention: try AttentionWeights(layer: l, spec: spec, reader: reader),
                ln2: try norm(ln2), ln2Post: try norm(ln2Post),
                mlp: hasMLP ? try MLPWeights(layer: l, spec: spec, reader: reader) : nil,
                xielu: hasMLP && spec.activation == .xielu ? try XIELU(layer: l, reader: reader) : nil))
        }
        self.blocks = blocks
        finalNorm = try spec.finalNorm.map { kind throws(TLError) in
            try reader.norm(kind, name: "ln_final", width: d, eps: spec.eps)
        }
        unembed = try reader.matrix("unembed.W_U", [d, spec.vocabOut], rows: d, cols: spec.vocabOut)
        unembedBias = try reader.optionalVector("unembed.b_U", [spec.vocabOut])
    }

    /// Logits `[batch, seq, d_vocab_out]` for a batch of equally long token sequences.
    public func logits(tokens: [[Int]], attentionMask: [[Int]]? = nil) throws(TLError) -> FloatTensor {
        try run(tokens: tokens, attentionMask: attentionMask, recorder: nil)
    }

    /// The forward pass; when `recorder` is given it receives the activations its
    /// filter selects under TransformerLens hook names. With a `cache` (one sequence, see
    /// `DecodingSession`) the tokens continue the cached ones: they take the positions after
    /// them, attend to them, and are appended to the cache.
    public func run(tokens: [[Int]], attentionMask: [[Int]]? = nil,
                    recorder: ActivationRecorder?, cache: KVCache? = nil) throws(TLError) -> FloatTensor {
        let offset = cache?.length ?? 0
        let (batch, seq) = try validate(tokens: tokens, attentionMask: attentionMask, offset: offset)
        if cache != nil, batch != 1 || attentionMask != nil {
            throw .badTensor(name: "input_ids", problem: "a KV cache holds one unpadded sequence (got batch \(batch))")
        }
        let keyMask = attentionMask?.map { $0.map { $0 != 0 } }
        let hooks = HookSite(recorder: recorder, batch: batch, positions: seq)
        let d = spec.dModel
        let rows = batch * seq
        var residual = Matrix(rows: rows, cols: d)
        for b in 0..<batch {
            for p in 0..<seq { embedding.copyRow(tokens[b][p], into: residual.row(b * seq + p)) }
        }
        if let embeddingNorm { embeddingNorm.apply(residual, into: residual, hooks: hooks) }
        hooks.record("hook_embed", residual, shape: [batch, seq, d])
        var shortformerPositions: Matrix?
        if let positionEmbedding {
            let positions = Matrix(rows: rows, cols: d)
            for r in 0..<rows { positionEmbedding.copyRow(offset + r % seq, into: positions.row(r)) }
            hooks.record("hook_pos_embed", positions, shape: [batch, seq, d])
            if case .shortformer = spec.position { shortformerPositions = positions } else { residual.add(positions) }
        }
        for (l, block) in blocks.enumerated() {
            residual = forward(block: block, layer: l, residual, hooks: hooks, keyMask: keyMask,
                               positions: shortformerPositions, cache: cache?.layers[l])
        }
        cache?.advance(by: seq)
        if let finalNorm { finalNorm.apply(residual, into: residual, hooks: hooks) }
        let logits = Matrix(uninitializedRows: rows, cols: spec.vocabOut)
        BLAS.product(residual, unembed, bias: unembedBias, into: logits)
        if let cap = spec.logitSoftCap {
            for i in 0..<logits.count { logits.data[i] = cap * tanhf(logits.data[i] / cap) }
        }
        return logits.tensor(shape: [batch, seq, spec.vocabOut])
    }

    /// - Parameter positions: shortformer positions, added to the queries' and keys' inputs.
    private func forward(block: Block, layer l: Int, _ residual: Matrix, hooks: HookSite,
                         keyMask: [[Bool]]?, positions: Matrix?, cache: LayerKVCache?) -> Matrix {
        let shape = hooks.tokenShape + [spec.dModel]
        hooks.record("blocks.\(l).hook_resid_pre", residual, shape: shape)
        let attention = AttentionForward(spec: spec, layer: l, weights: block.attention)
        let attentionOut = attention(normalized(residual, by: block.ln1, hooks: hooks), hooks: hooks, keyMask: keyMask,
                                     positions: positions, cache: cache)
        if let post = block.ln1Post { post.apply(attentionOut, into: attentionOut, hooks: hooks) }
        hooks.record("blocks.\(l).hook_attn_out", attentionOut, shape: shape)
        guard let mlpWeights = block.mlp else {
            residual.add(attentionOut)
            hooks.record("blocks.\(l).hook_resid_post", residual, shape: shape)
            return residual
        }
        let mlp = MLPForward(spec: spec, layer: l, weights: mlpWeights, xielu: block.xielu)
        let mlpOut: Matrix
        if spec.parallel {
            mlpOut = mlp(normalized(residual, by: block.ln2, hooks: hooks), hooks: hooks)
            residual.add(attentionOut)
        } else {
            residual.add(attentionOut)
            hooks.record("blocks.\(l).hook_resid_mid", residual, shape: shape)
            mlpOut = mlp(normalized(residual, by: block.ln2, hooks: hooks), hooks: hooks)
        }
        if let post = block.ln2Post { post.apply(mlpOut, into: mlpOut, hooks: hooks) }
        hooks.record("blocks.\(l).hook_mlp_out", mlpOut, shape: shape)
        residual.add(mlpOut)
        hooks.record("blocks.\(l).hook_resid_post", residual, shape: shape)
        return residual
    }

    private func normalized(_ x: Matrix, by norm: Norm?, hooks: HookSite) -> Matrix {
        guard let norm else { return x }
        let out = Matrix(uninitializedRows: x.rows, cols: x.cols)
        norm.apply(x, into: out, hooks: hooks)
        return out
    }

    /// - Parameter offset: positions already in a KV cache, before these tokens.
    private func validate(tokens: [[Int]], attentionMask: [[Int]]?, offset: Int) throws(TLError) -> (Int, Int) {
        let seq = try TokenBatch.shape(of: tokens, vocab: spec.vocab).seq
        // Learned positions and rotary tables cover n_ctx positions (ALiBi has no limit).
        if case .alibi = spec.position {} else if offset + seq > spec.context {
            throw .badTensor(name: "input_ids", problem: "\(offset + seq) positions exceed n_ctx \(spec.context)")
        }
        if let attentionMask {
            try TokenBatch.checkSameShape(attentionMask, as: tokens, name: "attention_mask")
            for (b, row) in attentionMask.enumerated() {
                if let firstPad = row.firstIndex(of: 0), row[firstPad...].contains(where: { $0 != 0 }) {
                    throw .badTensor(name: "attention_mask",
                                     problem: "row \(b) is not right-padded (only right padding is supported)")
                }
            }
        }
        return (tokens.count, seq)
    }
}
