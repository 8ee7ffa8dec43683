import ArgumentParser
import TLConversion
import TLCore
import TLFormats
import TLForward
import TLModel
import TLVerify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run tlconvert's own forward pass on a converted model and compare its logits with a reference dump.",
        discussion: """
        The reference holds input_ids [batch, seq] and logits [batch, seq, d_vocab] (and optionally
        attention_mask, right padding only), e.g. from tools/dump_hf_logits.py. Logits are compared
        after subtracting each position's mean. Exit status: 0 when every tolerance holds, 1 when
        one is missed, 2 for bad input.
        """
    )

    @Argument(help: "A directory written by `tlconvert convert` (config.json + model.safetensors), or a Hugging Face model (local directory, repo id or zoo name), converted in memory.")
    var model: String

    @Option(help: "Revision (branch, tag or commit) of a hub model.")
    var revision: String?

    @Flag(help: "Never touch the network.")
    var offline = false

    @Option(help: "The reference dump (.safetensors).")
    var reference: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(name: .customLong("save-logits"), help: "Also write the logits tlconvert computed (safetensors, key `logits`, F32).")
    var saveLogits: String?

    @Option(name: .customLong("max-kl"), help: "Largest KL(reference ‖ ours) allowed at any position.")
    var maxKL: Double = Tolerances.contract.maxKL

    @Option(name: .customLong("min-cosine"), help: "Smallest cosine similarity of centred logits allowed.")
    var minCosine: Double = Tolerances.contract.minCosine

    @Option(name: .customLong("min-top1"), help: "Smallest fraction of positions whose top-1 token must agree.")
    var minTop1: Double = Tolerances.contract.minTop1

    @OptionGroup(title: "Processing (Hugging Face checkpoints only)")
    var processing: ProcessingFlags

    func validate() throws {
        for (flag, value) in [("--max-kl", maxKL), ("--min-cosine", minCosine), ("--min-top1", minTop1)] where !value.isFinite {
            throw ValidationError("\(flag) must be a finite number")
        }
    }

    func run() throws {
        try reportingErrors {
            let tolerances = Tolerances(maxKL: maxKL, minCosine: minCosine, minTop1: minTop1)
            let dump = try ReferenceDump.load(reference)
            let transformer = try ModelLoader.load(model, processing: processing.options, revision: revision,
                                                   offline: offline).model.transformer()
            let (report, logits) = try Verifier.verify(transformer, against: dump, tolerances: tolerances)
            if let saveLogits { try Verifier.saveLogits(logits, to: saveLogits) }
            print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
            if !report.passed {
                throw TLError.verificationFailed("verification failed: \(report.failures.joined(separator: "; "))")
            }
        }
    }
}
