import ArgumentParser
import TLConversion
import TLCore
import TLFormats

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Hugging Face checkpoint into TransformerLens's hooked weight layout (model.safetensors + config.json)."
    )

    @Argument(help: "A zoo name or alias (gpt2-small), a Hugging Face repo id (EleutherAI/pythia-70m), or a local model directory (config.json plus weights).")
    var model: String

    @Option(name: [.short, .customLong("output")], help: "Output directory (default ./tl-models/<name>).")
    var output: String?

    @Option(help: "Element type of the written weights: float32, float16 or bfloat16.")
    var dtype: String = "float32"

    @Flag(help: "Replace the output directory if it exists.")
    var force = false

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    @OptionGroup(title: "Processing")
    var processing: ProcessingFlags

    @Option(name: .customLong("verify"), help: "After converting, verify the output against this reference dump (as `tlconvert verify OUTPUT --reference FILE`).")
    var verifyReference: String?

    @OptionGroup(title: "Verification (with --verify)")
    var verification: VerificationOptions

    func run() throws {
        try reportingErrors {
            guard let outputDType = DType(torchName: dtype), [.f32, .f16, .bf16].contains(outputDType) else {
                throw TLError.usage("--dtype must be float32, float16 or bfloat16 (got '\(dtype)')")
            }
            let resolved = try ModelSource.resolve(model, revision: hub.revision, offline: hub.offline)
            let checkpoint = try HFCheckpoint.open(resolved.directory)
            let converter = Converter(dtype: outputDType, processing: processing.pipeline, options: processing.options,
                                      force: force, revision: resolved.revision)
            let destination = output ?? "tl-models/\(resolved.name)"
            _ = try converter.convert(checkpoint, modelID: resolved.modelID, to: destination,
                                      progress: { Console.error($0) })
            if let verifyReference {
                let transformer = try ModelLoader.load(destination).model.transformer()
                try verification.verify(transformer, reference: verifyReference)
            }
        }
    }
}
