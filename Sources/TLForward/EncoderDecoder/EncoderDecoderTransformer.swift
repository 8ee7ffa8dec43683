import Foundation
import TLCore
import TLModel

/// TransformerLens's `HookedEncoderDecoder` (T5) forward pass in float32, computing what
/// transformers' `T5ForConditionalGeneration` computes: the encoder reads `input_ids`
/// (bidirectional, padding hidden by `attentionMask`), the decoder reads `decoder_input_ids`
/// causally and attends to the encoder's output; logits are `[batch, dec_seq, d_vocab]`.
///
/// Where TransformerLens 2.16.1 differs, this follows transformers: its decoder
/// self-attention is not causal and buckets positions bidirectionally.
public struct EncoderDecoderTransformer: Sendable {
    public let config: CanonicalConfig
    let embedding: Matrix
    let encoder: [Block]
    let decoder: [Block]
    let encoderFinal: Norm
    let decoderFinal: Norm
    let unembed: Matrix
    let unembedBias: Matrix?
    let encoderBias: RelativePositionBias
    let decoderBias: RelativePositionBias

    struct Block: Sendable {
        let name: String
        let ln1: Norm
        let attention: T5AttentionWeights
        /// Decoder only: the norm before cross-attention (`ln2`) and cross-attention.
        let crossNorm: Norm?
        let crossAttention: T5AttentionWeights?
        /// Before the MLP: `ln2` in the encoder, `ln3` in the decoder.
        let mlpNorm: Norm
        let mlpIn: Matrix
        let mlpInBias: Matrix?
        let mlpOut: Matrix
        let mlpOutBias: Matrix?
    }

    public init(config: CanonicalConfig, weights: StateDict) throws(TLError) {
        var c = config
        c.applyDerivedDefaults()
        self.config = c
        guard c.modelClass == .hookedEncoderDecoder else {
            throw .unsupported("\(c.originalArchitecture ?? "this model") is not an encoder-decoder")
        }
        guard c.activation == .relu, !c.gatedMLP else {
            throw .unsupported("T5 forward: only the ReLU MLP TransformerLens 2.16.1 builds (act_fn \(c.activation?.rawValue ?? "null"))")
        }
        let reader = WeightReader(arrays: weights)
        let (d, n, dh, f, vocab) = (c.dModel, c.nHeads, c.dHead, c.dMLP ?? 4 * c.dModel, c.dVocab)
        let eps = Float(c.eps)
        let buckets = c.relativeAttentionNumBuckets ?? 32, distance = c.relativeAttentionMaxDistance ?? 128
        embedding = try reader.widenedMatrix("embed.W_E", [vocab, d], rows: vocab, cols: d)
        func rms(_ name: String) throws(TLError) -> Norm { try reader.norm(.rms, name: name, width: d, eps: eps) }
        func blocks(_ stack: String, decoder: Bool) throws(TLError) -> [Block] {
            var out = [Block]()
            for l in 0..<c.nLayers {
                let p = "\(stack).\(l)."
                out.append(Block(
                    name: "\(stack).\(l)", ln1: try rms(p + "ln1"),
                    attention: try T5AttentionWeights(prefix: p + "attn.", heads: n, dModel: d, dHead: dh, reader: reader),
                    crossNorm: decoder ? try rms(p + "ln2") : nil,
                    crossAttention: decoder ? try T5AttentionWeights(prefix: p + "cross_attn.", heads: n, dModel: d, dHead: dh,
                                                                     reader: reader) : nil,
                    mlpNorm: try rms(p + (decoder ? "ln3" : "ln2")),
                    mlpIn: try reader.widenedMatrix(p + "mlp.W_in", [d, f], rows: d, cols: f),
                    mlpInBias: try reader.optionalVector(p + "mlp.b_in", [f]),
                    mlpOut: try reader.widenedMatrix(p + "mlp.W_out", [f, d], rows: f, cols: d),
                    mlpOutBias: try reader.optionalVector(p + "mlp.b_out", [d])))
            }
            return out
        }
        encoder = try blocks("encoder", decoder: false)
        decoder = try blocks("decoder", decoder: true)
        encoderFinal = try rms("encoder_final_ln")
        decoderFinal = try rms("decoder_final_ln")
        func table(_ stack: String) throws(TLError) -> Matrix {
            try reader.widenedMatrix("\(stack).0.attn.rel_pos_bias.weight", [buckets, n], rows: buckets, cols: n)
        }
        encoderBias = RelativePositionBias(table: try table("encoder"), buckets: buckets, maxDistance: distance, bidirectional: true)
        decoderBias = RelativePositionBias(table: try table("decoder"), buckets: buckets, maxDistance: distance, bidirectional: false)
        unembed = try reader.widenedMatrix("unembed.W_U", [d, c.dVocabOut], rows: d, cols: c.dVocabOut)
        unembedBias = try reader.optionalVector("unembed.b_U", [c.dVocabOut])
    }

    /// Logits `[batch, dec_seq, d_vocab_out]`.
    public func logits(tokens: [[Int]], decoderTokens: [[Int]], attentionMask: [[Int]]? = nil) throws(TLError) -> FloatTensor {
        try run(tokens: tokens, decoderTokens: decoderTokens, attentionMask: attentionMask, recorder: nil)
    }

    /// The encoder's output (after its final norm), `[batch·seq, d_model]`, for decoding step by step.
    public func encode(tokens: [[Int]], attentionMask: [[Int]]? = nil,
                       recorder: ActivationRecorder? = nil) throws(TLError) -> EncodedInput {
        let (batch, seq) = try TokenBatch.shape(of: tokens, vocab: config.dVocab)
        let keyMask = try mask(attentionMask, batch: batch, seq: seq)
        let hooks = HookSite(recorder: recorder, batch: batch, positions: seq)
        let residual = embed(tokens, batch: batch, seq: seq)
        hooks.record("hook_embed", residual, shape: [batch, seq, config.dModel])
        let bias = encoderBias.values(queries: seq, keys: seq)
        for block in encoder {
            forward(block, residual, context: nil, batch: batch, seq: seq, selfBias: bias, selfMask: keyMask,
                    hooks: hooks)
        }
        encoderFinal.apply(residual, into: residual, hooks: hooks)
        return EncodedInput(states: residual, batch: batch, positions: seq, keyMask: keyMask)
    }

    /// The decoder on `decoderTokens` attending to `encoded`: logits `[batch, dec_seq, d_vocab_out]`.
    public func decode(_ encoded: EncodedInput, decoderTokens: [[Int]],
                       recorder: ActivationRecorder? = nil) throws(TLError) -> FloatTensor {
        let (batch, seq) = try TokenBatch.shape(of: decoderTokens, vocab: config.dVocab, name: "decoder_input_ids")
        guard batch == encoded.batch else {
            throw .badTensor(name: "decoder_input_ids", problem: "has \(batch) rows, input_ids \(encoded.batch)")
        }
        let hooks = HookSite(recorder: recorder, batch: batch, positions: seq)
        let residual = embed(decoderTokens, batch: batch, seq: seq)
        let bias = decoderBias.values(queries: seq, keys: seq)
        let context = (states: encoded.states, positions: encoded.positions, mask: encoded.keyMask)
        for block in decoder {
            forward(block, residual, context: context, batch: batch, seq: seq, selfBias: bias, selfMask: nil, hooks: hooks)
        }
        decoderFinal.apply(residual, into: residual, hooks: hooks)
        // The tied unembedding expects the residual rescaled by d_model^-0.5 (as T5 was trained).
        if config.tieWordEmbeddings {
            let scale = Float(pow(Double(config.dModel), -0.5))
            for i in 0..<residual.count { residual.data[i] *= scale }
        }
        let logits = Matrix(uninitializedRows: batch * seq, cols: config.dVocabOut)
        BLAS.product(residual, unembed, bias: unembedBias, into: logits)
        return logits.tensor(shape: [batch, seq, config.dVocabOut])
    }

    /// The whole pass; `recorder` receives TransformerLens's `run_with_cache` hooks.
    public func run(tokens: [[Int]], decoderTokens: [[Int]], attentionMask: [[Int]]? = nil,
                    recorder: ActivationRecorder?) throws(TLError) -> FloatTensor {
        try decode(try encode(tokens: tokens, attentionMask: attentionMask, recorder: recorder),
                   decoderTokens: decoderTokens, recorder: recorder)
    }

    private func forward(_ block: Block, _ residual: Matrix,
                         context: (states: Matrix, positions: Int, mask: [[Bool]]?)?,
                         batch: Int, seq: Int, selfBias: [Float], selfMask: [[Bool]]?, hooks: HookSite) {
        let shape = [batch, seq, config.dModel]
        let (n, dh) = (config.nHeads, config.dHead)
        hooks.record("\(block.name).hook_resid_pre", residual, shape: shape)
        let attention = T5AttentionForward(weights: block.attention, heads: n, dHead: dh, name: "\(block.name).attn")
        let normed = normalized(residual, block.ln1, hooks: hooks)
        let attentionOut = attention(normed, normed, batch: batch, queries: seq, keys: seq, bias: selfBias,
                                     keyMask: selfMask, causal: context != nil, hooks: hooks)
        hooks.record("\(block.name).hook_attn_out", attentionOut, shape: shape)
        residual.add(attentionOut)
        hooks.record("\(block.name).hook_resid_mid", residual, shape: shape)
        if let context, let crossNorm = block.crossNorm, let weights = block.crossAttention {
            let cross = T5AttentionForward(weights: weights, heads: n, dHead: dh, name: "\(block.name).cross_attn")
            let crossOut = cross(normalized(residual, crossNorm, hooks: hooks), context.states, batch: batch,
                                 queries: seq, keys: context.positions, bias: nil, keyMask: context.mask, causal: false,
                                 hooks: hooks)
            hooks.record("\(block.name).hook_cross_attn_out", crossOut, shape: shape)
            residual.add(crossOut)
            hooks.record("\(block.name).hook_resid_mid_cross", residual, shape: shape)
        }
        let hidden = Matrix(uninitializedRows: residual.rows, cols: block.mlpIn.cols)
        BLAS.product(normalized(residual, block.mlpNorm, hooks: hooks), block.mlpIn, bias: block.mlpInBias, into: hidden)
        hooks.record("\(block.name).mlp.hook_pre", hidden, shape: [batch, seq, hidden.cols])
        for i in 0..<hidden.count { hidden.data[i] = max(hidden.data[i], 0) }
        hooks.record("\(block.name).mlp.hook_post", hidden, shape: [batch, seq, hidden.cols])
        let mlpOut = Matrix(uninitializedRows: residual.rows, cols: config.dModel)
        BLAS.product(hidden, block.mlpOut, bias: block.mlpOutBias, into: mlpOut)
        hooks.record("\(block.name).hook_mlp_out", mlpOut, shape: shape)
        residual.add(mlpOut)
        hooks.record("\(block.name).hook_resid_post", residual, shape: shape)
    }

    private func embed(_ tokens: [[Int]], batch: Int, seq: Int) -> Matrix {
        let d = config.dModel
        let out = Matrix(uninitializedRows: batch * seq, cols: d)
        for b in 0..<batch {
            for p in 0..<seq { out.row(b * seq + p).update(from: embedding.row(tokens[b][p]), count: d) }
        }
        return out
    }

    private func normalized(_ x: Matrix, _ norm: Norm, hooks: HookSite) -> Matrix {
        let out = Matrix(uninitializedRows: x.rows, cols: x.cols)
        norm.apply(x, into: out, hooks: hooks)
        return out
    }

    private func mask(_ attentionMask: [[Int]]?, batch: Int, seq: Int) throws(TLError) -> [[Bool]]? {
        guard let attentionMask else { return nil }
        guard attentionMask.count == batch, attentionMask.allSatisfy({ $0.count == seq }) else {
            throw .badTensor(name: "attention_mask", problem: "shape differs from input_ids [\(batch), \(seq)]")
        }
        return attentionMask.map { $0.map { $0 != 0 } }
    }
}

/// An encoder pass kept for the decoder (greedy decoding re-runs only the decoder).
public struct EncodedInput: @unchecked Sendable {
    let states: Matrix
    public let batch: Int
    public let positions: Int
    let keyMask: [[Bool]]?
}
