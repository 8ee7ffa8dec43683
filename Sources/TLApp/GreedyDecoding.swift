import Foundation
import TLCore
import TLForward
import TLModel
import TLTokenizers
import TLVerify

/// `tlconvert run` on an encoder-decoder (T5), as TransformerLens's T5 notebook decodes: the
/// prompt is tokenized with the tokenizer's template (T5 appends `</s>`), the encoder runs
/// once, and the decoder starts from `decoder_start_token_id` and appends the argmax of its
/// last position until the end-of-sequence token or `maxNewTokens`.
public enum GreedyDecoding {
    /// T5's end-of-sequence token (its tokenizer's `eos_token`).
    static let eosToken = "</s>"

    /// - Parameter recorder: receives the encoder's hooks on the prompt and the decoder's on
    ///   the final decoder ids (the start token and every generated one).
    public static func run(_ loaded: LoadedModel, prompt: String, maxNewTokens: Int,
                           recorder: ActivationRecorder? = nil, offline: Bool = false) throws(TLError) -> GreedyDecodingReport {
        let config = loaded.model.config
        let tokenizer = try ModelTokenizer.load(path: try TokenizerLocation.directory(model: loaded.directory, config: config, offline: offline),
                                                facts: TokenizerFacts(config: config))
        let ids = try tokenizer.tokenizer.encode(prompt, addSpecialTokens: true).ids
        guard !ids.isEmpty else {
            throw .usage("the prompt \(PythonRepr.string(prompt)) gives no tokens; give a non-empty prompt")
        }
        let model = try loaded.model.encoderDecoder()
        let start = config.decoderStartTokenID ?? 0
        let eos = tokenizer.tokenizer.id(of: eosToken)
        var report = GreedyDecodingReport(model: loaded.modelID, prompt: prompt, inputIDs: ids,
                                          promptTokens: tokenizer.strTokens(ids), decoderStartID: start)
        let encoded = try model.encode(tokens: [ids], recorder: recorder)
        for _ in 0..<maxNewTokens {
            let logits = try model.decode(encoded, decoderTokens: [report.decoderIDs])
            let vocab = logits.shape[2]
            let last = Array(logits.values[(logits.values.count - vocab)...])
            guard let best = last.indices.max(by: { last[$0] < last[$1] || (last[$0] == last[$1] && $0 > $1) }) else { break }
            let peak = last[best]
            let total = last.reduce(0.0) { $0 + exp(Double($1 - peak)) }
            report.steps.append(.init(id: best, token: tokenizer.tokenizer.decode([best], skipSpecialTokens: false),
                                      probability: 1 / total, logit: peak))
            if best == eos {
                report.stoppedAtEOS = true
                break
            }
        }
        if let recorder { _ = try model.decode(encoded, decoderTokens: [report.decoderIDs], recorder: recorder) }
        report.text = tokenizer.tokenizer.decode(report.steps.map(\.id), skipSpecialTokens: true)
        return report
    }
}
