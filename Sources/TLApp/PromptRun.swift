import TLCore
import TLForward
import TLModel
import TLTokenizers
import TLVerify

/// `tlconvert run`: one prompt through a loaded model, as TransformerLens's `to_tokens`
/// tokenizes it and `run_with_cache` runs it.
public enum PromptRun {
    /// Tokenizes `prompt` (BOS per the model's `default_prepend_bos` unless `prependBOS`
    /// says otherwise; truncated to `n_ctx` as `to_tokens` does,
    /// the report's `droppedTokens` counting what was cut), runs the forward pass with
    /// `recorder` collecting activations, and reports the top `topK` next tokens.
    public static func run(_ loaded: LoadedModel, prompt: String, topK: Int, prependBOS: Bool? = nil,
                           recorder: ActivationRecorder? = nil, offline: Bool = false) throws(TLError) -> PromptReport {
        let config = loaded.model.config
        let tokenizer = try ModelTokenizer.load(path: try TokenizerLocation.directory(model: loaded.directory, config: config, offline: offline),
                                                facts: TokenizerFacts(config: config))
        let prepend = prependBOS ?? config.defaultPrependBOS
        let full = try tokenizer.toTokens(prompt, prependBOS: prepend).ids
        let ids = full.count > config.nCtx ? try tokenizer.toTokens(prompt, prependBOS: prepend, maxLength: config.nCtx).ids : full
        guard !ids.isEmpty else {
            throw .usage("the prompt \(PythonRepr.string(prompt)) gives no tokens (this model prepends no BOS); give a non-empty prompt")
        }
        let logits = try loaded.model.transformer().run(tokens: [ids], recorder: recorder)
        var report = try PromptReport(model: loaded.modelID, prompt: prompt, inputIDs: ids,
                                      promptTokens: tokenizer.strTokens(ids), logits: logits, topK: topK,
                                      tokenString: { tokenizer.tokenizer.decode([$0], skipSpecialTokens: false) })
        report.droppedTokens = full.count - ids.count
        return report
    }

    /// The `__metadata__` of a cache file: what produced these activations.
    public static func cacheMetadata(_ loaded: LoadedModel, report: PromptReport) -> [String: String] {
        let metadata = ["format": "transformer_lens_cache", "model": loaded.modelID, "prompt": report.prompt,
                        "input_ids": "[" + report.inputIDs.map(String.init).joined(separator: ", ") + "]",
                        "tlconvert_version": TLConvertVersion.string]
        return metadata.merging(loaded.processing.metadata) { _, flag in flag }
    }
}
