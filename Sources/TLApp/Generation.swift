import TLCore
import TLFormats
import TLForward
import TLModel
import TLTokenizers
import TLVerify

/// What `tlconvert generate` produced.
public struct GenerationResult: Sendable {
    public let model: String
    public let prompt: String
    public let inputIDs: [Int]
    public let newIDs: [Int]
    /// The new tokens decoded, special tokens left out.
    public let text: String
    /// Why generation ended before `--max-new-tokens`, if it did for a reason other than EOS.
    public let stoppedAtContext: Bool

    public var json: JSONValue {
        .object([("model", .string(model)), ("prompt", .string(prompt)),
                 ("input_ids", .array(inputIDs.map { .int(Int64($0)) })),
                 ("new_ids", .array(newIDs.map { .int(Int64($0)) })), ("text", .string(text))])
    }
}

/// Autoregressive generation with a KV cache, as transformers' `generate`: the prompt runs
/// once, then each new token one position; a token in `eos` is kept and ends the sequence.
public enum Generation {
    /// Generates from token ids. `onToken` sees each new id as soon as it is chosen.
    /// - Returns: the new ids, and whether the model's context (n_ctx) ran out first.
    public static func generate(_ transformer: Transformer, inputIDs: [Int], maxNewTokens: Int,
                                sampling: SamplingOptions, eos: Set<Int>,
                                onToken: (Int) -> Void = { _ in }) throws(TLError) -> (ids: [Int], stoppedAtContext: Bool) {
        guard !inputIDs.isEmpty else { throw .usage("generation needs at least one prompt token") }
        guard maxNewTokens >= 0 else { throw .usage("--max-new-tokens must be ≥ 0 (got \(maxNewTokens))") }
        var sampler = try Sampler(sampling)
        let session = DecodingSession(transformer, capacity: inputIDs.count + maxNewTokens)
        if let limit = session.maxPositions, inputIDs.count > limit {
            throw .usage("the prompt is \(inputIDs.count) tokens, more than the model's n_ctx \(limit)")
        }
        var newIDs = [Int]()
        guard maxNewTokens > 0 else { return (newIDs, false) }
        var logits = try session.nextLogits(after: inputIDs)
        while true {
            let id = sampler.next(logits)
            newIDs.append(id)
            onToken(id)
            if eos.contains(id) || newIDs.count == maxNewTokens { return (newIDs, false) }
            if let limit = session.maxPositions, session.length >= limit { return (newIDs, true) }
            logits = try session.nextLogits(after: [id])
        }
    }

    /// Refuses what this model cannot generate: any model from an encoder (BERT), sampling or
    /// `prependBOS` for an encoder-decoder (T5).
    public static func check(_ loaded: LoadedModel, sampling: SamplingOptions, prependBOS: Bool?) throws(TLError) {
        let config = loaded.model.config
        try EncoderDecoderGeneration.check(config.modelClass, architecture: config.originalArchitecture,
                                           sampling: sampling, prependBOS: prependBOS)
    }

    /// Tokenizes `prompt` as `run` does (BOS per `default_prepend_bos` unless `prependBOS` says
    /// otherwise), generates, and streams the decoded text to `onText` as it becomes whole UTF-8.
    /// An encoder-decoder (T5) decodes greedily as `run` does; an encoder (BERT) is refused.
    public static func run(_ loaded: LoadedModel, prompt: String, maxNewTokens: Int, sampling: SamplingOptions,
                           prependBOS: Bool? = nil, offline: Bool = false,
                           onText: (String) -> Void = { _ in }) throws(TLError) -> GenerationResult {
        try sampling.validate()
        let config = loaded.model.config
        try check(loaded, sampling: sampling, prependBOS: prependBOS)
        if config.modelClass == .hookedEncoderDecoder {
            return try EncoderDecoderGeneration.run(loaded, prompt: prompt, maxNewTokens: maxNewTokens,
                                                    offline: offline, onText: onText)
        }
        let tokenizerDirectory = try TokenizerLocation.directory(model: loaded.directory, config: config, offline: offline)
        let tokenizer = try ModelTokenizer.load(path: tokenizerDirectory, facts: TokenizerFacts(config: config))
        let ids = try tokenizer.toTokens(prompt, prependBOS: prependBOS ?? config.defaultPrependBOS).ids
        guard !ids.isEmpty else {
            throw .usage("the prompt \(PythonRepr.string(prompt)) gives no tokens (this model prepends no BOS); give a non-empty prompt")
        }
        let eos = try EndOfSequence.ids(directory: loaded.directory, tokenizerDirectory: tokenizerDirectory,
                                        tokenizer: tokenizer)
        var stream = TextStream(tokenizer: tokenizer.tokenizer)
        let (newIDs, stoppedAtContext) = try generate(try loaded.model.transformer(releasingPages: false), inputIDs: ids,
                                                      maxNewTokens: maxNewTokens, sampling: sampling, eos: eos) { id in
            if let text = stream.append(id) { onText(text) }
        }
        if let rest = stream.finish() { onText(rest) }
        return GenerationResult(model: loaded.modelID, prompt: prompt, inputIDs: ids, newIDs: newIDs,
                                text: tokenizer.tokenizer.decode(newIDs, skipSpecialTokens: true),
                                stoppedAtContext: stoppedAtContext)
    }
}

/// Turns token ids into text as they come: the whole continuation is decoded again and what
/// is new since the last piece is emitted, unless it ends in an incomplete UTF-8 sequence (a
/// byte-level token holding part of a character decodes to U+FFFD), which waits for the next token.
struct TextStream {
    let tokenizer: Tokenizer
    private var ids = [Int]()
    private var emitted = 0

    init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    mutating func append(_ id: Int) -> String? {
        ids.append(id)
        let text = tokenizer.decode(ids, skipSpecialTokens: true)
        guard text.unicodeScalars.last != "\u{FFFD}" else { return nil }
        return take(text)
    }

    /// Whatever is held back at the end (shown as it decodes, replacement characters and all).
    mutating func finish() -> String? { take(tokenizer.decode(ids, skipSpecialTokens: true)) }

    private mutating func take(_ text: String) -> String? {
        let scalars = text.unicodeScalars
        guard scalars.count > emitted else { return nil }
        var piece = String.UnicodeScalarView()
        piece.append(contentsOf: scalars.dropFirst(emitted))
        emitted = scalars.count
        return String(piece)
    }
}
