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
    /// the positions its attention mask keeps; position t scores the dump's own next
    /// token `input_ids[b, t+1]` when that position is kept too.
    public static func report(reference dump: ReferenceDump, ours: FloatTensor,
                              tolerances: Tolerances = .contract) -> VerifyReport {
        let mask = dump.attentionMask
        // A dump built in code is not checked as `load` checks a file: outside the mask or the
        // token rows, a position is left out rather than trapped on.
        let keep: (Int, Int) -> Bool = { b, p in
            mask.map { $0.indices.contains(b) && $0[b].indices.contains(p) && $0[b][p] != 0 } ?? true
        }
        let next: (Int, Int) -> Int? = { b, p in
            guard dump.tokens.indices.contains(b), dump.tokens[b].indices.contains(p + 1), keep(b, p + 1) else { return nil }
            return dump.tokens[b][p + 1]
        }
        let overall = LogitMetrics.compare(reference: dump.logits, ours: ours, include: keep, nextToken: next)
        let rows = (0..<dump.batch).map { row in
            LogitMetrics.compare(reference: dump.logits, ours: ours, include: { b, p in b == row && keep(b, p) },
                                 nextToken: next)
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
