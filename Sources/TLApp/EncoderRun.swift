import TLCore
import TLFormats
import TLForward
import TLModel
import TLTokenizers
import TLVerify

/// `tlconvert run` on a `HookedEncoder` (BERT). The prompt is tokenized as HookedEncoder's
/// `to_tokens` does (the tokenizer's own template: `[CLS] … [SEP]`, with a second sentence
/// `[CLS] A [SEP] B [SEP]` and type ids 0/1). One sentence runs the MLM head and reports, for
/// every `[MASK]`, the top-k tokens and what `forward(..., return_type="predictions")` returns;
/// a pair runs the pooler and NSP head as `BertNextSentencePrediction` does. A model without
/// heads reports its final hidden state.
public enum EncoderRun {
    public static func run(_ loaded: LoadedModel, prompt: String, pair: String?, topK: Int,
                           recorder: ActivationRecorder? = nil, offline: Bool = false) throws(TLError) -> EncoderRunReport {
        let config = loaded.model.config
        let directory = try TokenizerLocation.directory(model: loaded.directory, config: config, offline: offline)
        let tokenizer = try ModelTokenizer.load(path: directory, facts: TokenizerFacts(config: config))
        let encoding = try tokenizer.tokenizer.encode(prompt, pair: pair, addSpecialTokens: true)
        guard !encoding.ids.isEmpty else { throw .usage("the prompt \(PythonRepr.string(prompt)) gives no tokens") }
        guard encoding.ids.count <= config.nCtx else {
            throw .usage("the prompt is \(encoding.ids.count) tokens, more than this model's n_ctx \(config.nCtx)")
        }
        let encoder = try loaded.model.encoder()
        let head: Encoder.Head = pair == nil ? .mlm : .nsp
        if pair != nil && !encoder.hasHeads {
            throw .usage("--pair runs the NSP head, and \(config.originalArchitecture ?? "this model") has none")
        }
        let output = try encoder.run(tokens: [encoding.ids], tokenTypes: [encoding.typeIDs], head: head, recorder: recorder)
        var report = EncoderRunReport(model: loaded.modelID, prompt: prompt, pair: pair, inputIDs: encoding.ids,
                                      typeIDs: encoding.typeIDs, tokens: tokenizer.strTokens(encoding.ids))
        let decode = { (ids: [Int]) in
            cleanUp(tokenizer.tokenizer.decode(ids, skipSpecialTokens: false), enabled: cleansUpSpaces(directory))
        }
        if let logits = output.logits {
            let vocab = logits.shape[2]
            let maskID = tokenizer.tokenizer.id(of: "[MASK]")
            for (position, id) in encoding.ids.enumerated() where id == maskID {
                let row = Array(logits.values[(position * vocab)..<((position + 1) * vocab)])
                let top = PromptReport.top(min(topK, vocab), of: row).enumerated().map { rank, entry in
                    PromptReport.Prediction(rank: rank, id: entry.id, token: decode([entry.id]),
                                            probability: entry.probability, logit: entry.logit)
                }
                report.masks.append(.init(position: position, topK: top))
            }
            report.predictions = predictions(report.masks.compactMap { $0.topK.first?.id }, decode: decode)
        }
        if let nsp = output.nspLogits {
            report.nspLogits = nsp.values
        }
        if !encoder.hasHeads {
            report.hiddenStates = output.hiddenStates
        }
        return report
    }

    /// What `HookedEncoder.forward(..., return_type="predictions")` returns: the masks' argmax
    /// tokens decoded together; when that text has a space, one `Prediction i: …` per word.
    static func predictions(_ ids: [Int], decode: ([Int]) -> String) -> EncoderRunReport.Predictions? {
        guard !ids.isEmpty else { return nil }
        let text = decode(ids)
        guard text.contains(" ") else { return .text(text) }
        return .list(text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { "Prediction \($0.offset): \($0.element)" })
    }

    /// transformers' `clean_up_tokenization_spaces` (tokenizer_config.json; false when absent, as
    /// the fast tokenizers TransformerLens loads default to).
    static func cleansUpSpaces(_ directory: String) -> Bool {
        let path = FileSystem.join(directory, "tokenizer_config.json")
        guard let json = try? JSONParser.parseFile(path) else { return false }
        return json["clean_up_tokenization_spaces"]?.boolValue ?? false
    }

    /// transformers' `clean_up_tokenization`: spaces before punctuation and English contractions removed.
    static func cleanUp(_ text: String, enabled: Bool) -> String {
        guard enabled else { return text }
        var out = text
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            out = out.replacing(from, with: to)
        }
        return out
    }

    /// The `__metadata__` of a cache file.
    public static func cacheMetadata(_ loaded: LoadedModel, report: EncoderRunReport) -> [String: String] {
        var metadata = ["format": "transformer_lens_cache", "model": loaded.modelID, "prompt": report.prompt,
                        "input_ids": "[" + report.inputIDs.map(String.init).joined(separator: ", ") + "]",
                        "token_type_ids": "[" + report.typeIDs.map(String.init).joined(separator: ", ") + "]",
                        "tlconvert_version": TLConvertVersion.string]
        if let pair = report.pair { metadata["pair"] = pair }
        return metadata.merging(loaded.processing.metadata) { _, flag in flag }
    }
}
