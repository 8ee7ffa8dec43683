import TLCore
import TLForward

extension Verifier {
    /// An encoder-decoder (T5) against a dump with `decoder_input_ids`: the encoder reads
    /// `input_ids` (and `attention_mask`), the logits are the decoder's positions, and each
    /// position's next token is the dump's next decoder id.
    public static func verify(_ model: EncoderDecoderTransformer, against dump: ReferenceDump,
                              tolerances: Tolerances = .contract) throws(TLError) -> (report: VerifyReport, logits: FloatTensor) {
        guard let decoderTokens = dump.decoderTokens else {
            throw .badFile(path: dump.path, problem: "no 'decoder_input_ids' tensor (an encoder-decoder's reference dump holds input_ids, decoder_input_ids and logits [batch, dec_seq, d_vocab])")
        }
        try dump.check(dVocab: model.config.dVocab, dVocabOut: model.config.dVocabOut)
        let logits: FloatTensor
        do {
            logits = try model.logits(tokens: dump.tokens, decoderTokens: decoderTokens, attentionMask: dump.attentionMask)
        } catch {
            throw error.inFile(dump.path)
        }
        let decoderView = ReferenceDump(path: dump.path, tokens: decoderTokens, logits: dump.logits)
        return (report(reference: decoderView, ours: logits, tolerances: tolerances), logits)
    }
}
