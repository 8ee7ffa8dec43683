import TLCore
import TLFormats

/// A reference dump: token ids and the logits another implementation (Hugging Face
/// transformers, float32) computed for them, optionally with an attention mask.
/// Any container `CheckpointOpener` reads (safetensors; `.npz`, `torch.save` where supported).
public struct ReferenceDump: Sendable {
    public let path: String
    /// `[batch][seq]` token ids.
    public let tokens: [[Int]]
    /// `[batch, seq, vocab]` float32.
    public let logits: FloatTensor
    /// `[batch][seq]`, 1 = real token, 0 = padding; nil when the dump has none.
    public let attentionMask: [[Int]]?
    /// An encoder-decoder's `[batch][dec_seq]` decoder ids (the logits' positions); nil otherwise.
    public let decoderTokens: [[Int]]?

    public var batch: Int { tokens.count }
    public var positions: Int { tokens.first?.count ?? 0 }
    public var vocab: Int { logits.shape.last ?? 0 }

    public init(path: String, tokens: [[Int]], logits: FloatTensor, attentionMask: [[Int]]? = nil,
                decoderTokens: [[Int]]? = nil) {
        self.path = path
        self.tokens = tokens
        self.logits = logits
        self.attentionMask = attentionMask
        self.decoderTokens = decoderTokens
    }

    /// What a dump must fit, checked on the shapes its container lists before any data
    /// is read: a deflated `.npz` member is inflated only when read, and a small file can
    /// declare gigabytes.
    public struct Expectation: Sendable {
        /// The model's `d_vocab_out` (the logits' last dimension), when known.
        public var dVocabOut: Int?
        /// Most logit values read (default 2^28: 1 GiB as float32, far beyond any real dump).
        public var maxLogits: Int

        public init(dVocabOut: Int? = nil, maxLogits: Int = 1 << 28) {
            self.dVocabOut = dVocabOut
            self.maxLogits = maxLogits
        }
    }

    /// Reads and checks a dump's structure: `input_ids` integer `[batch, seq]`, `logits`
    /// float `[batch, seq, vocab]` with the same batch and seq, optional `attention_mask`.
    public static func load(_ path: String, expecting expectation: Expectation = Expectation()) throws(TLError) -> ReferenceDump {
        try load(from: try CheckpointOpener.open(path), expecting: expectation)
    }

    /// The same from an opened container (`source.path` names it in errors).
    public static func load(from source: any TensorSource, expecting expectation: Expectation = Expectation()) throws(TLError) -> ReferenceDump {
        let path = source.path
        let layout = "a reference dump holds input_ids [batch, seq] and logits [batch, seq, d_vocab]"
        guard let idsInfo = source.info(named: "input_ids") else {
            throw .badFile(path: path, problem: "no 'input_ids' tensor (\(layout))")
        }
        guard let logitsInfo = source.info(named: "logits") else {
            throw .badFile(path: path, problem: "no 'logits' tensor (\(layout))")
        }
        guard !idsInfo.dtype.isFloatingPoint, idsInfo.dtype != .bool else {
            throw .badFile(path: path, problem: "input_ids has dtype \(idsInfo.dtype.rawValue), expected an integer type (I64 or I32)")
        }
        guard logitsInfo.dtype.isFloatingPoint else {
            throw .badFile(path: path, problem: "logits has dtype \(logitsInfo.dtype.rawValue), expected F32, F16 or BF16")
        }
        // A single unbatched sequence ([seq] and [seq, vocab]) is read as a batch of one.
        var idsShape = idsInfo.shape
        var logitsShape = logitsInfo.shape
        if idsShape.count == 1 && logitsShape.count == 2 {
            idsShape = [1] + idsShape
            logitsShape = [1] + logitsShape
        }
        guard idsShape.count == 2 else {
            throw .badFile(path: path, problem: "input_ids has shape \(idsInfo.shape), expected [batch, seq]")
        }
        guard logitsShape.count == 3 else {
            throw .badFile(path: path, problem: "logits has shape \(logitsInfo.shape), expected [batch, seq, d_vocab]")
        }
        // An encoder-decoder's logits are the decoder's positions.
        let decoderInfo = source.info(named: "decoder_input_ids")
        if let decoderInfo {
            guard !decoderInfo.dtype.isFloatingPoint, decoderInfo.dtype != .bool, decoderInfo.shape.count == 2,
                  decoderInfo.shape[0] == idsShape[0], decoderInfo.shape[1] > 0 else {
                throw .badFile(path: path, problem: "decoder_input_ids has shape \(decoderInfo.shape) and dtype \(decoderInfo.dtype.rawValue), expected integer [batch, dec_seq] with input_ids' batch")
            }
            guard Array(logitsShape.prefix(2)) == decoderInfo.shape else {
                throw .badFile(path: path, problem: "logits \(logitsInfo.shape) and decoder_input_ids \(decoderInfo.shape) disagree in batch/dec_seq")
            }
        } else if Array(logitsShape.prefix(2)) != idsShape {
            throw .badFile(path: path, problem: "logits \(logitsInfo.shape) and input_ids \(idsInfo.shape) disagree in batch/seq")
        }
        let (batch, seq) = (idsShape[0], idsShape[1])
        guard batch > 0, seq > 0, logitsShape[2] > 0 else {
            throw .badFile(path: path, problem: "the dump is empty (input_ids \(idsInfo.shape), logits \(logitsInfo.shape))")
        }
        if let dVocabOut = expectation.dVocabOut, logitsShape[2] != dVocabOut {
            throw vocabularyMismatch(path: path, vocab: logitsShape[2], dVocabOut: dVocabOut)
        }
        guard logitsInfo.elementCount <= expectation.maxLogits else {
            throw .badFile(path: path, problem: "logits \(logitsInfo.shape) hold \(logitsInfo.elementCount) values, more than the \(expectation.maxLogits) a reference dump may hold")
        }
        let ids = try source.tensor(named: "input_ids").integers()
        let tokens = (0..<batch).map { b in ids[(b * seq)..<((b + 1) * seq)].map { Int(clamping: $0) } }
        let logits = FloatTensor(shape: logitsShape, values: try source.tensor(named: "logits").floats())
        if let bad = logits.values.firstIndex(where: { !$0.isFinite }) {
            throw .badFile(path: path, problem: "logits hold a non-finite value at flat index \(bad)")
        }
        var mask: [[Int]]?
        if let maskInfo = source.info(named: "attention_mask") {
            guard maskInfo.shape == idsInfo.shape else {
                throw .badFile(path: path, problem: "attention_mask has shape \(maskInfo.shape), input_ids \(idsInfo.shape)")
            }
            let values = try source.tensor(named: "attention_mask").integers()
            guard values.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw .badFile(path: path, problem: "attention_mask holds values other than 0 and 1")
            }
            mask = (0..<batch).map { b in values[(b * seq)..<((b + 1) * seq)].map { Int($0) } }
        }
        var decoderTokens: [[Int]]?
        if let decoderInfo {
            let values = try source.tensor(named: "decoder_input_ids").integers()
            let n = decoderInfo.shape[1]
            decoderTokens = (0..<batch).map { b in values[(b * n)..<((b + 1) * n)].map { Int(clamping: $0) } }
        }
        return ReferenceDump(path: path, tokens: tokens, logits: logits, attentionMask: mask, decoderTokens: decoderTokens)
    }

    /// Checks the dump fits a model: vocabulary of the logits and range of the token ids.
    public func check(dVocab: Int, dVocabOut: Int) throws(TLError) {
        guard vocab == dVocabOut else { throw Self.vocabularyMismatch(path: path, vocab: vocab, dVocabOut: dVocabOut) }
        for (name, ids) in [("input_ids", tokens), ("decoder_input_ids", decoderTokens ?? [])] {
            for (b, row) in ids.enumerated() {
                for (p, id) in row.enumerated() where id < 0 || id >= dVocab {
                    throw .badFile(path: path, problem: "\(name)[\(b), \(p)] = \(id) is outside the model's vocabulary (d_vocab \(dVocab))")
                }
            }
        }
    }

    private static func vocabularyMismatch(path: String, vocab: Int, dVocabOut: Int) -> TLError {
        .badFile(path: path, problem: "logits have \(vocab) vocabulary entries, the model has d_vocab_out \(dVocabOut)")
    }
}
