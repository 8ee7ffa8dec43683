import ArgumentParser
import TLApp
import TLConversion
import TLCore
import TLFormats
import TLForward

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a prompt through a model: its tokens, the top-k next tokens, and optionally every activation under TransformerLens hook names.",
        discussion: """
            Like TransformerLens's utils.test_prompt: the prompt is tokenized as to_tokens does \
            (BOS per the model's default_prepend_bos), and the table ranks the next tokens from 0 \
            with id, token (Python repr), probability and logit. --cache FILE writes the run's \
            activations as float32 safetensors under run_with_cache's names and shapes \
            ([batch, pos, ...], batch 1); --hooks selects them with comma-separated globs \
            (`*` any run, `?` one character), e.g. 'blocks.*.attn.hook_pattern,ln_final.*'.
            On an encoder-decoder (T5) it decodes greedily instead, as TransformerLens's T5 notebook \
            does: the prompt with the tokenizer's template (`</s>` appended) goes through the encoder, \
            and the decoder starts from decoder_start_token_id and appends the argmax until `</s>` or \
            --max-new-tokens; the table shows each step's token, probability and logit. --cache then \
            holds HookedEncoderDecoder's hooks (hook_embed, encoder.{l}.…, encoder_final_ln.…, \
            decoder.{l}.attn/cross_attn.…, decoder_final_ln.…) for the prompt and the final decoder ids.

            Encoders (BERT, HookedEncoder): the prompt gets the tokenizer's [CLS] … [SEP] as \
            HookedEncoder's to_tokens gives it, and the table shows the top-k tokens at every [MASK] \
            with what forward(..., return_type="predictions") returns. --pair TEXT adds a second \
            sentence and runs next-sentence prediction instead (BertNextSentencePrediction: \
            [CLS] A [SEP] B [SEP], type ids 0/1; its logits and verdict). A model without heads \
            (BertModel) shows its final hidden state. --cache writes HookedEncoder's hook names.
            """
    )

    @Argument(help: "A directory written by `tlconvert convert`, or a Hugging Face or TransformerLens-native model (local directory, repo id or zoo name), converted first to a temporary file that is removed as soon as it is mapped. Weights are read in place in their stored dtype, one layer resident at a time.")
    var model: String

    @Option(parsing: .unconditional, help: "The text to run (or --text-file).")
    var prompt: String?

    @Option(name: .customLong("text-file"), help: "Read the text to run from this file (- for standard input), exactly as it is: for text that begins with '-' or is longer than one argument may be.")
    var textFile: String?

    @Option(name: .customLong("pair"), parsing: .unconditional,
            help: "Encoders: a second sentence; runs next-sentence prediction on the pair (BERT's NSP head).")
    var pair: String?

    @Option(name: .customLong("top-k"), help: "How many next tokens to show.")
    var topK = 10

    @Option(name: .customLong("max-new-tokens"), help: "Encoder-decoder (T5) only: the most tokens greedy decoding appends.")
    var maxNewTokens = 20

    @Option(help: "Write the activations of the run to this safetensors file (an existing one only with --force).")
    var cache: String?

    @Flag(help: "Replace an existing --cache file (never a symlink, device, FIFO or socket).")
    var force = false

    @Option(help: "Which hook points --cache writes: comma-separated globs over TransformerLens hook names (default: all).")
    var hooks: String?

    @Flag(name: .customLong("prepend-bos"), inversion: .prefixedNo,
          help: "Start with BOS or not (default: the model's default_prepend_bos, as TransformerLens).")
    var prependBOS: Bool?

    @Flag(help: "Print one JSON object {model, prompt, input_ids, tokens, dropped_tokens, top_k: [{rank, id, token, prob, logit}]}.")
    var json = false

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    @OptionGroup(title: "Processing")
    var processing: ProcessingFlags

    func validate() throws {
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1 (got \(maxNewTokens))") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        if hooks != nil && cache == nil { throw ValidationError("--hooks selects what --cache writes; give --cache FILE too") }
        if let hooks, hooks.split(separator: ",").allSatisfy({ $0.allSatisfy { $0 == " " } }) {
            throw ValidationError("--hooks is empty; give comma-separated globs such as 'blocks.*.hook_resid_post'")
        }
    }

    func run() throws {
        try reportingErrors {
            let prompt = try TextInput.resolve(prompt, flag: "--prompt", file: textFile)
            // --cache is checked before the model is loaded, and again against what it read.
            try checkCache(inputs: VerifyCommand.inputs(model))
            let loaded = try ModelLoader.load(model, processing: processing.options, revision: hub.revision,
                                              offline: hub.offline, progress: { Console.error($0) })
            try checkCache(inputs: VerifyCommand.inputs(loaded.directory))
            let recorder = cache.map { _ in ActivationRecorder(filter: hooks.map(HookFilter.init) ?? .all) }
            let modelClass = loaded.model.config.modelClass
            if pair != nil && modelClass != .hookedEncoder {
                throw TLError.usage("--pair is for encoders (BERT); this model is a \(modelClass.rawValue)")
            }
            switch modelClass {
            case .hookedEncoder:
                return try runEncoder(loaded, prompt: prompt, recorder: recorder)
            case .hookedEncoderDecoder:
                let report = try GreedyDecoding.run(loaded, prompt: prompt, maxNewTokens: maxNewTokens, recorder: recorder,
                                                    offline: hub.offline)
                try writeCache(recorder, metadata: [
                    "format": "transformer_lens_cache", "model": loaded.modelID, "prompt": prompt,
                    "input_ids": JSONWriter.string(.array(report.inputIDs.map { .int(Int64($0)) })),
                    "decoder_input_ids": JSONWriter.string(.array(report.decoderIDs.map { .int(Int64($0)) })),
                    "tlconvert_version": TLConvertVersion.string])
                return print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
            case .hookedTransformer:
                break
            }
            let report = try PromptRun.run(loaded, prompt: prompt, topK: topK, prependBOS: prependBOS,
                                           recorder: recorder, offline: hub.offline)
            if report.droppedTokens > 0 {
                Console.error("note: the prompt is \(report.inputIDs.count + report.droppedTokens) tokens; kept the first n_ctx = \(report.inputIDs.count), as TransformerLens's to_tokens does")
            }
            try writeCache(recorder, metadata: PromptRun.cacheMetadata(loaded, report: report))
            print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
        }
    }

    private func writeCache(_ recorder: ActivationRecorder?, metadata: [String: String]) throws(TLError) {
        guard let cache, let recorder else { return }
        guard !recorder.names.isEmpty else {
            throw TLError.usage("--hooks '\(hooks ?? "")' matches no hook point of this model")
        }
        try recorder.write(to: cache, metadata: metadata)
    }

    /// An encoder's run (BERT): [MASK] predictions, or NSP for a pair, or the final hidden state.
    private func runEncoder(_ loaded: LoadedModel, prompt: String, recorder: ActivationRecorder?) throws(TLError) {
        if prependBOS != nil { throw .usage("--[no-]prepend-bos: an encoder's tokens are its tokenizer's template ([CLS] … [SEP])") }
        let report = try EncoderRun.run(loaded, prompt: prompt, pair: pair, topK: topK, recorder: recorder, offline: hub.offline)
        try writeCache(recorder, metadata: EncoderRun.cacheMetadata(loaded, report: report))
        print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
    }

    /// CONTRACT.md "Output paths" for `--cache`: not one of the model's `inputs`.
    private func checkCache(inputs: [OutputPath.Guarded]) throws(TLError) {
        guard let cache else { return }
        _ = try OutputPath(cache, flag: "--cache", kind: .file, replace: force, guarding: inputs)
    }
}
