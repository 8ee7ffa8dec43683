import ArgumentParser
import TLApp
import TLConversion
import TLCore
import TLFormats
import TLHub
import TLTokenizers

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Hugging Face checkpoint into TransformerLens's hooked weight layout (model.safetensors + config.json).",
        discussion: """
            TransformerLens's own toy models (attn-only-*, gelu-*, solu-*, solu-*-old, attn-only-2l-demo, \
            redwood_attn_2l) are read from their Hub repos as TransformerLens reads them: config.json plus the \
            *final.pth (or, with --checkpoint-index/--checkpoint-value, one checkpoints/*_<step>.pth); only \
            that file is fetched. Their repos hold no tokenizer: the converted config.json keeps the \
            tokenizer_name they name (GPT-NeoX's or GPT-2's), which `run` and `tokenize` fetch when needed.

            Remote-code models convert without their Python code: Qwen (the first, QWenLMHeadModel) and \
            SantaCoder (GPT2LMHeadCustomModel), as TransformerLens 2.16.1 reads them. \
            Qwen's tokenizer is a tiktoken file (qwen.tiktoken): it is copied, and `tokenize` and `run` \
            read it as QWenTokenizer does.

            T5 (t5-small/base/large, T5ForConditionalGeneration) becomes TransformerLens's HookedEncoderDecoder \
            (encoder.{l}.*, decoder.{l}.cross_attn.*, encoder_final_ln, decoder_final_ln); it takes no \
            processing flags, as TransformerLens processes none of its weights.

            BERT (BertForMaskedLM / BertForPreTraining files, also with LayerNorm gamma/beta) becomes \
            TransformerLens's HookedEncoder: embed.embed.W_E, embed.token_type_embed.W_token_type, \
            post-LN blocks, mlm_head.*, unembed.*, nsp_head.*, pooler.*. A bare BertModel (no heads) \
            gives the encoder only, with a note. TransformerLens processes no HookedEncoder, so the \
            processing flags are refused for it.

            GPT-OSS checkpoints with MXFP4 experts (openai/gpt-oss-20b: quantization_config quant_method \
            mxfp4, *_blocks + *_scales) are dequantized as transformers does, one expert at a time, to \
            float32 (then --dtype); verify, run and generate read them the same way.
            """
    )

    @Argument(help: "A zoo name or alias (gpt2-small, attn-only-1l), a Hugging Face repo id (EleutherAI/pythia-70m), or a local model directory (config.json plus weights, Hugging Face or TransformerLens-native: config.json plus *final.pth).")
    var model: String

    @Option(name: [.short, .customLong("output")], help: "Output directory (default ./tl-models/<name>); not the source, nor inside it or holding it.")
    var output: String?

    @Option(help: "Element type of the written weights.")
    var dtype: OutputDType = .float32

    @Flag(help: "Replace the output directory (and the --save-logits file) if it exists; never a symlink, device, FIFO or socket.")
    var force = false

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    @OptionGroup(title: "Processing")
    var processing: ProcessingFlags

    @Option(name: .customLong("checkpoint-index"), help: "A training checkpoint by its position in the model's list (as TransformerLens's from_pretrained): Pythia step revisions, stanford-crfm checkpoint revisions, NeelNanda checkpoints/*_<step>.pth files.")
    var checkpointIndex: Int?

    @Option(name: .customLong("checkpoint-value"), help: "A training checkpoint by its step (or token count): Pythia `step{V}`, stanford-crfm `checkpoint-{V}`, NeelNanda `*_{V}.pth`.")
    var checkpointValue: Int?

    @Option(name: .customLong("verify"), help: "After converting, verify the output against this reference dump (as `tlconvert verify OUTPUT --reference FILE`).")
    var verifyReference: String?

    @OptionGroup(title: "Verification (with --verify)")
    var verification: VerificationOptions

    func validate() throws {
        if verification.saveLogits != nil && verifyReference == nil {
            throw ValidationError("--save-logits needs --verify FILE (it saves the logits that verification computes)")
        }
        if checkpointIndex != nil && checkpointValue != nil {
            throw ValidationError("give --checkpoint-index or --checkpoint-value, not both")
        }
    }

    func run() throws {
        try reportingErrors {
            if let verifyReference, FileSystem.kind(of: verifyReference) == .missing {
                throw TLError.badFile(path: verifyReference, problem: "no such file or directory (given as --verify)")
            }
            // Checked before the model is resolved (which may download), and again against its files.
            try checkOutputs(output, source: nil)
            let request = checkpointIndex.map(TrainingCheckpoints.Request.index) ?? checkpointValue.map(TrainingCheckpoints.Request.value)
            let resolved = try ModelSource.resolve(model, revision: hub.revision, offline: hub.offline, checkpoint: request)
            let destination = output ?? "tl-models/\(resolved.name)"
            try checkOutputs(destination, source: resolved)
            let checkpoint = try HFCheckpoint.open(resolved.directory, checkpointValue: resolved.checkpointFileValue)
            var converter = Converter(dtype: dtype.dtype, processing: processing.options, force: force,
                                      revision: resolved.revision)
            converter.trainingCheckpoint = resolved.trainingCheckpoint
            // config.json records what the tokenizer says about BOS, as TransformerLens does once it loads it;
            // a tokenizer tlconvert cannot read does not stop the conversion.
            do {
                converter.tokenizerPrependsBOS = try ModelTokenizer.ofModel(at: resolved.directory)?.tokenizerPrependsBOS
            } catch {
                Console.error("note: tokenizer not read (\(error)); tokenizer_prepends_bos is the family's default")
            }
            _ = try converter.convert(checkpoint, modelID: resolved.modelID, to: destination,
                                      progress: { Console.error($0) })
            if let verifyReference {
                let model = try ModelLoader.load(destination, progress: { Console.error($0) }).model
                try verification.verify(model: model, reference: verifyReference)
            }
        }
    }

    /// CONTRACT.md "Output paths" for the output folder (`-o`, else the default) and
    /// `--save-logits`; with the resolved `source`, also against what it reads.
    private func checkOutputs(_ directory: String?, source: ModelSource?) throws(TLError) {
        let sourceFolder = source.map { OutputPath.Guarded.model($0.directory, role: "the source model", wholeFolder: true) } ?? []
        var written = [OutputPath.Guarded]()
        if let directory {
            let folder = try OutputPath(directory, flag: output == nil ? nil : "-o", kind: .directory, replace: force,
                                        guarding: sourceFolder)
            written.append(OutputPath.Guarded(folder.path, role: "the output folder", wholeFolder: true))
        }
        if let verifyReference {
            let sourceFiles = source.map { OutputPath.Guarded.model($0.directory, role: "an input of the model", wholeFolder: false) } ?? []
            try verification.checkSaveLogits(reference: verifyReference, replace: force, guarding: sourceFiles + written)
        }
    }
}

/// `--dtype`: the element types a converted model may be written in.
enum OutputDType: String, ExpressibleByArgument, CaseIterable {
    case float32, float16, bfloat16

    var dtype: DType {
        switch self {
        case .float32: return .f32
        case .float16: return .f16
        case .bfloat16: return .bf16
        }
    }
}
