import ArgumentParser
import Foundation
import TLApp
import TLCore
import TLFormats

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt token by token (KV-cached), greedy or sampled, streaming the text as it comes.",
        discussion: """
            The prompt is tokenized as `run` does (BOS per the model's default_prepend_bos). With \
            --temperature 0 (the default) each token is the most likely one: exactly the ids of \
            transformers' generate(do_sample=False) on the same input ids. With a temperature > 0 \
            tokens are sampled after transformers' warpers in its order (temperature, then --top-k, \
            then --top-p) from a PRNG seeded by --seed, so a seed gives the same tokens on every run \
            (without --seed a random one is drawn and shown on stderr). Generation stops at an \
            end-of-sequence token (generation_config.json's eos_token_id, one or a list, else \
            config.json's, else the tokenizer's eos_token; `convert` copies the source's \
            generation_config.json, so a converted directory stops where transformers stops), after \
            --max-new-tokens, or when the model's n_ctx positions are used up (a note says so). \
            T5 (HookedEncoderDecoder) decodes greedily as `run` does: the prompt with its tokenizer's \
            template through the encoder, the decoder from decoder_start_token_id to </s> (exactly \
            transformers' generate(do_sample=False)); it does not sample, and --[no-]prepend-bos does \
            not apply, and only its output is streamed (it does not continue the prompt's text). \
            BERT (HookedEncoder) predicts no next token and is refused (use `run`). \
            The prompt and then the new text are written to standard output as tokens come (an \
            incomplete UTF-8 character waits for the token that completes it); --json prints \
            {model, prompt, input_ids, new_ids, text} at the end instead.
            """
    )

    @Argument(help: "A directory written by `tlconvert convert`, or a Hugging Face or TransformerLens-native model (local directory, repo id or zoo name), converted first to a temporary file that is removed as soon as it is mapped. Weights are read in place in their stored dtype (kept resident between tokens).")
    var model: String

    @Option(parsing: .unconditional, help: "The text to continue.")
    var prompt: String

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "At most this many new tokens.")
    var maxNewTokens = 32

    @Option(parsing: .unconditional, help: "0: greedy; > 0: sample from softmax(logits / T).")
    var temperature = 0.0

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "When sampling, keep only the K most likely tokens (default: all).")
    var topK: Int?

    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "When sampling, keep the most likely tokens whose probabilities sum to P, in (0, 1] (default: 1, all).")
    var topP: Double?

    @Option(help: "The sampling PRNG's seed (an integer 0…2^64-1).")
    var seed: UInt64?

    @Flag(name: .customLong("prepend-bos"), inversion: .prefixedNo,
          help: "Start with BOS or not (default: the model's default_prepend_bos, as TransformerLens).")
    var prependBOS: Bool?

    @Flag(help: "Print one JSON object {model, prompt, input_ids, new_ids, text} instead of streaming the text.")
    var json = false

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    func validate() throws {
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be ≥ 0 (got \(maxNewTokens))") }
        do { try sampling.validate() } catch { throw ValidationError(error.description) }
    }

    private var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed ?? 0)
    }

    func run() throws {
        try reportingErrors {
            let loaded = try ModelLoader.load(model, revision: hub.revision, offline: hub.offline,
                                              progress: { Console.error($0) })
            // Refused before any note about the seed.
            try Generation.check(loaded, sampling: sampling, prependBOS: prependBOS)
            var options = sampling
            if options.isGreedy {
                if topK != nil || topP != nil || seed != nil {
                    Console.error("note: --temperature 0 is greedy; --top-k, --top-p and --seed apply only when sampling")
                }
            } else if seed == nil {
                options.seed = UInt64.random(in: .min ... .max)
                Console.error("note: sampling with --seed \(options.seed)")
            }
            let stream = !json
            // The prompt is shown with the first new text, so a refused prompt or model prints nothing;
            // an encoder-decoder's output is a new sequence, not a continuation: shown alone.
            var promptShown = loaded.model.config.modelClass == .hookedEncoderDecoder
            func show(_ text: String) {
                guard stream else { return }
                if !promptShown { StandardOutput.write(prompt) }
                promptShown = true
                StandardOutput.write(text)
            }
            let result = try Generation.run(loaded, prompt: prompt, maxNewTokens: maxNewTokens, sampling: options,
                                            prependBOS: prependBOS, offline: hub.offline, onText: show)
            show("\n")
            if result.stoppedAtContext {
                Console.error("note: stopped after \(result.newIDs.count) new tokens: the model's n_ctx positions are used up")
            }
            if json { print(JSONWriter.string(result.json, pretty: true)) }
        }
    }
}

/// Unbuffered writes to standard output, so streamed text appears as each token comes.
private enum StandardOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
