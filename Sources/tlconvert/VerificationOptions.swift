import ArgumentParser
import TLCore
import TLForward
import TLFormats
import TLVerify

/// How a verification is judged and reported; shared by `verify` and `convert --verify`.
struct VerificationOptions: ParsableArguments {
    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(name: .customLong("save-logits"), help: "Also write the logits tlconvert computed (safetensors, key `logits`, F32); an existing file only with --force, never the reference or an input.")
    var saveLogits: String?

    @Option(name: .customLong("max-kl"), help: "Largest KL(reference ‖ ours) allowed at any position.")
    var maxKL: Double = Tolerances.contract.maxKL

    @Option(name: .customLong("min-cosine"), help: "Smallest cosine similarity of centred logits allowed.")
    var minCosine: Double = Tolerances.contract.minCosine

    @Option(name: .customLong("min-top1"), help: "Smallest fraction of positions whose top-1 token must agree.")
    var minTop1: Double = Tolerances.contract.minTop1

    func validate() throws {
        for (flag, value) in [("--max-kl", maxKL), ("--min-cosine", minCosine), ("--min-top1", minTop1)] where !value.isFinite {
            throw ValidationError("\(flag) must be a finite number")
        }
    }

    /// Checks the `--save-logits` path before any work (CONTRACT.md "Output paths"): it may
    /// not be the reference dump, nor anything in `inputs`.
    func checkSaveLogits(reference: String, replace: Bool, guarding inputs: [OutputPath.Guarded]) throws(TLError) {
        guard let saveLogits else { return }
        _ = try OutputPath(saveLogits, flag: "--save-logits", kind: .file, replace: replace,
                           guarding: [OutputPath.Guarded(reference, role: "the reference dump")] + inputs)
    }

    /// Runs `transformer` on the reference's inputs, prints the report, and throws
    /// `.verificationFailed` (exit 1) when a tolerance is missed.
    func verify(_ transformer: Transformer, reference: String) throws(TLError) {
        try verify(reference: reference, dVocabOut: transformer.config.dVocabOut) { dump, tolerances throws(TLError) in
            try Verifier.verify(transformer, against: dump, tolerances: tolerances)
        }
    }

    /// `verify` with the forward pass of the model's TransformerLens class.
    func verify(model: CanonicalModel, reference: String) throws(TLError) {
        switch model.config.modelClass {
        case .hookedEncoderDecoder:
            let encoderDecoder = try model.encoderDecoder()
            try verify(reference: reference, dVocabOut: encoderDecoder.config.dVocabOut) { dump, tolerances throws(TLError) in
                try Verifier.verify(encoderDecoder, against: dump, tolerances: tolerances)
            }
        case .hookedEncoder:
            try verifyEncoder(model.encoder(), reference: reference)
        case .hookedTransformer:
            try verify(model.transformer(), reference: reference)
        }
    }

    private func verify(reference: String, dVocabOut: Int,
                        _ compare: (ReferenceDump, Tolerances) throws(TLError) -> (report: VerifyReport, logits: FloatTensor)) throws(TLError) {
        // The model's vocabulary is checked against the dump's header before any logits are read or inflated.
        let dump = try ReferenceDump.load(reference, expecting: .init(dVocabOut: dVocabOut))
        let tolerances = Tolerances(maxKL: maxKL, minCosine: minCosine, minTop1: minTop1)
        let (report, logits) = try compare(dump, tolerances)
        if let saveLogits { try Verifier.saveLogits(logits, to: saveLogits) }
        print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
        if !report.passed {
            throw .verificationFailed("verification failed: \(report.failures.joined(separator: "; "))")
        }
    }
}
