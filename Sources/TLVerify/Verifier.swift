import TLCore
import TLFormats
import TLForward

/// Runs tlconvert's own forward pass on a reference dump's tokens and compares.
public enum Verifier {
    /// - Returns: the report and the logits computed (for `--save-logits`).
    public static func verify(_ transformer: Transformer, against dump: ReferenceDump,
                              tolerances: Tolerances = .contract) throws(TLError) -> (report: VerifyReport, logits: FloatTensor) {
        try dump.check(dVocab: transformer.config.dVocab, dVocabOut: transformer.config.dVocabOut)
        let logits: FloatTensor
        do {
            logits = try transformer.logits(tokens: dump.tokens, attentionMask: dump.attentionMask)
        } catch {
            throw error.inFile(dump.path)
        }
        let result = report(reference: dump, ours: logits, tolerances: tolerances)
        guard result.overall.positions > 0 else {
            throw .badFile(path: dump.path, problem: "attention_mask leaves no position to compare")
        }
        return (result, logits)
    }

    /// Metrics of `ours` against the dump's logits, overall and per batch row, over
    /// the positions its attention mask keeps.
    public static func report(reference dump: ReferenceDump, ours: FloatTensor,
                              tolerances: Tolerances = .contract) -> VerifyReport {
        let mask = dump.attentionMask
        let keep: (Int, Int) -> Bool = { b, p in mask.map { $0[b][p] != 0 } ?? true }
        let overall = LogitMetrics.compare(reference: dump.logits, ours: ours, include: keep)
        let rows = (0..<dump.batch).map { row in
            LogitMetrics.compare(reference: dump.logits, ours: ours, include: { b, p in b == row && keep(b, p) })
        }
        return VerifyReport(reference: dump.path, overall: overall, rows: rows, tolerances: tolerances)
    }

    /// Writes logits as safetensors (key `logits`, F32), atomically.
    public static func saveLogits(_ logits: FloatTensor, to path: String) throws(TLError) {
        let writer = try SafeTensorsWriter(path: path, tensors: [TensorInfo(name: "logits", dtype: .f32, shape: logits.shape)],
                                           metadata: ["producer": "tlconvert \(TLConvertVersion.string)"])
        do {
            try writer.write(name: "logits", values: logits)
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }
}
