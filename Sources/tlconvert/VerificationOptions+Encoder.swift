import TLCore
import TLFormats
import TLForward
import TLModel
import TLVerify

extension VerificationOptions {
    /// An encoder (BERT) on its MLM logits, or on its final hidden state when it has no head.
    func verifyEncoder(_ encoder: Encoder, reference: String) throws(TLError) {
        let tolerances = Tolerances(maxKL: maxKL, minCosine: minCosine, minTop1: minTop1)
        let outcome = try EncoderVerifier.verify(encoder, reference: reference, tolerances: tolerances)
        if let saveLogits { try EncoderVerifier.save(outcome, to: saveLogits) }
        let (passed, failures): (Bool, [String])
        switch outcome {
        case .logits(let report, _):
            print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
            (passed, failures) = (report.passed, report.failures)
        case .hiddenStates(let report, _):
            print(json ? JSONWriter.string(report.json, pretty: true) : report.table)
            (passed, failures) = (report.passed, report.failures)
        }
        if !passed { throw .verificationFailed("verification failed: \(failures.joined(separator: "; "))") }
    }
}
