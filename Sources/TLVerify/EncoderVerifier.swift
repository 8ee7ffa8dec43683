import TLCore
import TLFormats
import TLForward

/// Verifies a `HookedEncoder` (BERT) against a reference dump: the MLM logits when the dump has
/// `logits` and the model its head, else the final `hidden_states`. The dump's `token_type_ids`
/// (sentence A/B) and `attention_mask` are passed to the forward pass.
public enum EncoderVerifier {
    public enum Outcome: Sendable {
        /// The logits compared as for any model, and the logits computed.
        case logits(VerifyReport, FloatTensor)
        /// The hidden states compared, and the hidden states computed.
        case hiddenStates(HiddenStateReport, FloatTensor)

        /// The tensor `--save-logits` writes, under its name.
        public var saved: (name: String, tensor: FloatTensor) {
            switch self {
            case .logits(_, let t): return ("logits", t)
            case .hiddenStates(_, let t): return ("hidden_states", t)
            }
        }
    }

    public static func verify(_ encoder: Encoder, reference path: String,
                              tolerances: Tolerances = .contract) throws(TLError) -> Outcome {
        let source = try CheckpointOpener.open(path)
        let hasLogits = source.info(named: "logits") != nil
        if hasLogits && encoder.hasHeads {
            let dump = try ReferenceDump.load(from: source, expecting: .init(dVocabOut: encoder.config.dVocabOut))
            try dump.check(dVocab: encoder.config.dVocab, dVocabOut: encoder.config.dVocabOut)
            let types = try tokenTypes(in: source, batch: dump.batch, seq: dump.positions)
            let output: EncoderOutput
            do {
                output = try encoder.run(tokens: dump.tokens, tokenTypes: types, attentionMask: dump.attentionMask)
            } catch {
                throw error.inFile(path)
            }
            guard let logits = output.logits else { throw .unsupported("the encoder has no MLM head") }
            let report = Verifier.report(reference: dump, ours: logits, tolerances: tolerances)
            guard report.overall.positions > 0 else {
                throw .badFile(path: path, problem: "attention_mask leaves no position to compare")
            }
            return .logits(report, logits)
        }
        guard let hiddenInfo = source.info(named: "hidden_states") else {
            throw .badFile(path: path, problem: encoder.hasHeads
                ? "no 'logits' or 'hidden_states' tensor (an encoder's reference holds input_ids and one of them)"
                : "no 'hidden_states' tensor: the model has no output head, so its final hidden state [batch, seq, d_model] is compared")
        }
        guard let idsInfo = source.info(named: "input_ids"), idsInfo.shape.count == 2, !idsInfo.dtype.isFloatingPoint else {
            throw .badFile(path: path, problem: "no integer 'input_ids' [batch, seq] tensor")
        }
        let (batch, seq, d) = (idsInfo.shape[0], idsInfo.shape[1], encoder.config.dModel)
        guard batch > 0, seq > 0 else { throw .badFile(path: path, problem: "the dump is empty (input_ids \(idsInfo.shape))") }
        guard hiddenInfo.dtype.isFloatingPoint, hiddenInfo.shape == [batch, seq, d] else {
            throw .badFile(path: path, problem: "hidden_states has shape \(hiddenInfo.shape) \(hiddenInfo.dtype.rawValue), expected float [\(batch), \(seq), \(d)]")
        }
        let ids = try source.tensor(named: "input_ids").integers()
        let tokens = (0..<batch).map { b in ids[(b * seq)..<((b + 1) * seq)].map { Int(clamping: $0) } }
        let mask = try integerRows("attention_mask", in: source, batch: batch, seq: seq, allowed: 0...1)
        let types = try tokenTypes(in: source, batch: batch, seq: seq)
        let expected = FloatTensor(shape: hiddenInfo.shape, values: try source.tensor(named: "hidden_states").floats())
        if let bad = expected.values.firstIndex(where: { !$0.isFinite }) {
            throw .badFile(path: path, problem: "hidden_states hold a non-finite value at flat index \(bad)")
        }
        let ours: FloatTensor
        do {
            ours = try encoder.run(tokens: tokens, tokenTypes: types, attentionMask: mask).hiddenStates
        } catch {
            throw error.inFile(path)
        }
        let report = HiddenStateReport(reference: path, expected: expected, ours: ours,
                                       keep: { b, p in mask?[b][p] ?? 1 != 0 }, minCosine: tolerances.minCosine)
        guard report.positions > 0 else { throw .badFile(path: path, problem: "attention_mask leaves no position to compare") }
        return .hiddenStates(report, ours)
    }

    /// The dump's `token_type_ids` (`[batch, seq]`, 0 or 1), nil when it has none.
    static func tokenTypes(in source: any TensorSource, batch: Int, seq: Int) throws(TLError) -> [[Int]]? {
        try integerRows("token_type_ids", in: source, batch: batch, seq: seq, allowed: 0...Int64(Encoder.tokenTypes - 1))
    }

    private static func integerRows(_ name: String, in source: any TensorSource, batch: Int, seq: Int,
                                    allowed: ClosedRange<Int64>) throws(TLError) -> [[Int]]? {
        guard let info = source.info(named: name) else { return nil }
        guard info.shape == [batch, seq], !info.dtype.isFloatingPoint else {
            throw .badFile(path: source.path, problem: "\(name) has shape \(info.shape) \(info.dtype.rawValue), expected integers [\(batch), \(seq)] like input_ids")
        }
        let values = try source.tensor(named: name).integers()
        if let bad = values.first(where: { !allowed.contains($0) }) {
            throw .badFile(path: source.path, problem: "\(name) holds \(bad), expected values in \(allowed.lowerBound)…\(allowed.upperBound)")
        }
        return (0..<batch).map { b in values[(b * seq)..<((b + 1) * seq)].map { Int($0) } }
    }

    /// Writes the computed tensor for `--save-logits` (F32, under `logits` or `hidden_states`), atomically.
    public static func save(_ outcome: Outcome, to path: String) throws(TLError) {
        let (name, tensor) = outcome.saved
        let writer = try SafeTensorsWriter(path: path, tensors: [TensorInfo(name: name, dtype: .f32, shape: tensor.shape)],
                                           metadata: ["producer": "tlconvert \(TLConvertVersion.string)"])
        do {
            try writer.write(name: name, values: tensor)
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }
}
