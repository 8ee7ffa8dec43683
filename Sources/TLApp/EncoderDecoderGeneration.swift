import TLCore
import TLModel

/// `generate` on models that are not decoders: an encoder-decoder (T5) decodes greedily as `run`
/// does (GreedyDecoding, equal to transformers' `generate(do_sample=False)`); an encoder (BERT)
/// predicts no next token, so it is refused.
enum EncoderDecoderGeneration {
    /// Refuses what generation cannot do for `modelClass`, before any tokenizing.
    static func check(_ modelClass: ModelClass, architecture: String?, sampling: SamplingOptions,
                      prependBOS: Bool?) throws(TLError) {
        let name = architecture ?? modelClass.rawValue
        switch modelClass {
        case .hookedTransformer:
            return
        case .hookedEncoder:
            throw .usage("generate: \(name) is an encoder (\(modelClass.rawValue)), which predicts no next token; use `tlconvert run` for its [MASK] and next-sentence predictions")
        case .hookedEncoderDecoder:
            guard sampling.isGreedy else {
                throw .usage("generate: \(name) (\(modelClass.rawValue)) decodes greedily only; drop --temperature (or give 0)")
            }
            if prependBOS != nil {
                throw .usage("generate: --[no-]prepend-bos does not apply to \(name): its prompt is tokenized with the tokenizer's template (which appends </s>)")
            }
        }
    }

    /// Greedy decoding of an encoder-decoder; `onText` receives the whole continuation at the end.
    static func run(_ loaded: LoadedModel, prompt: String, maxNewTokens: Int, offline: Bool,
                    onText: (String) -> Void) throws(TLError) -> GenerationResult {
        let report = try GreedyDecoding.run(loaded, prompt: prompt, maxNewTokens: maxNewTokens, offline: offline)
        if !report.text.isEmpty { onText(report.text) }
        return GenerationResult(model: loaded.modelID, prompt: prompt, inputIDs: report.inputIDs,
                                newIDs: report.steps.map(\.id), text: report.text, stoppedAtContext: false)
    }
}
