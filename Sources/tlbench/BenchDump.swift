import ArgumentParser
import TLCore
import TLFormats

/// Writes a reference dump for `tools/bench-verify` when transformers is not there to make
/// one: deterministic token ids, and either zero logits (a first `verify --save-logits` run
/// computes real ones) or the `logits` of such a saved file. It measures cost, not
/// correctness: the logits are tlconvert's own.
struct BenchDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-dump",
        abstract: "Write a reference dump (input_ids + logits) for the verify benchmark: zero logits, or those of --logits FILE.")

    @Argument(help: "Output .safetensors path.") var path: String
    @Option(help: "Vocabulary size (token ids are drawn below it; zero logits have this width).") var vocab: Int
    @Option(help: "Batch rows.") var batch = 1
    @Option(help: "Tokens per row.") var tokens = 128
    @Option(help: "Take the logits from this file's `logits` tensor (e.g. `verify --save-logits`).") var logits: String?

    func run() throws {
        try failing { () throws(TLError) in
            guard vocab > 0, batch > 0, tokens > 0 else { throw .usage("--vocab, --batch and --tokens must be positive") }
            var state: UInt64 = 0x2545_F491_4F6C_DD1D
            let ids = (0..<(batch * tokens)).map { _ -> Int64 in
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                return Int64((state &* 0x2545_F491_4F6C_DD1D) % UInt64(vocab))
            }
            let shape = [batch, tokens, vocab]
            var values: FloatTensor
            if let logits {
                values = try SafeTensorsFile(path: logits).tensor(named: "logits").float32()
                guard values.shape == shape else {
                    throw .badTensor(name: "logits", problem: "in \(logits) has shape \(values.shape), expected \(shape)")
                }
            } else {
                values = FloatTensor.zeros(shape)
            }
            let writer = try SafeTensorsWriter(path: path, tensors: [TensorInfo(name: "input_ids", dtype: .i64, shape: [batch, tokens]),
                                                                     TensorInfo(name: "logits", dtype: .f32, shape: shape)])
            try ids.withUnsafeBytes { b in Result { () throws(TLError) in try writer.write(name: "input_ids", bytes: b) } }.get()
            try writer.write(name: "logits", values: values)
            try writer.finish()
        }
    }
}
