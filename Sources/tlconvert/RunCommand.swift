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
            """
    )

    @Argument(help: "A directory written by `tlconvert convert`, or a Hugging Face or TransformerLens-native model (local directory, repo id or zoo name), converted first to a temporary file that is removed as soon as it is mapped. Weights are read in place in their stored dtype, one layer resident at a time.")
    var model: String

    @Option(parsing: .unconditional, help: "The text to run (or --text-file).")
    var prompt: String?

    @Option(name: .customLong("text-file"), help: "Read the text to run from this file (- for standard input), exactly as it is: for text that begins with '-' or is longer than one argument may be.")
    var textFile: String?

    @Option(name: .customLong("top-k"), help: "How many next tokens to show.")
    var topK = 10

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
            let report = try PromptRun.run(loaded, prompt: prompt, topK: topK, prependBOS: prependBOS,
                                           recorder: recorder, offline: hub.offline)
            if report.droppedTokens > 0 {
                Console.error("note: the prompt is \(report.inputIDs.count + report.droppedTokens) tokens; kept the first n_ctx = \(report.inputIDs.count), as TransformerLens's to_tokens does")
            }
            if let cache, let recorder {
                guard !recorder.names.isEmpty else {
                    throw TLError.usage("--hooks '\(hooks ?? "")' matches no hook point of this model")
                }
                try recorder.write(to: cache, metadata: PromptRun.cacheMetadata(loaded, report: report))
            }
            print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
        }
    }

    /// CONTRACT.md "Output paths" for `--cache`: not one of the model's `inputs`.
    private func checkCache(inputs: [OutputPath.Guarded]) throws(TLError) {
        guard let cache else { return }
        _ = try OutputPath(cache, flag: "--cache", kind: .file, replace: force, guarding: inputs)
    }
}
