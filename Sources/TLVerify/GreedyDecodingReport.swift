import Foundation
import TLCore
import TLFormats

/// What `run` shows for an encoder-decoder (T5): the prompt's tokens, then the decoder's
/// greedy continuation, one step per row (the argmax of the last position's logits).
public struct GreedyDecodingReport: Sendable {
    public struct Step: Sendable, Equatable {
        public let id: Int
        public let token: String
        public let probability: Double
        public let logit: Float

        public init(id: Int, token: String, probability: Double, logit: Float) {
            self.id = id
            self.token = token
            self.probability = probability
            self.logit = logit
        }
    }

    public let model: String
    public let prompt: String
    public let inputIDs: [Int]
    public let promptTokens: [String]
    public let decoderStartID: Int
    public var steps: [Step] = []
    /// Whether decoding ended on the end-of-sequence token (else at the step limit).
    public var stoppedAtEOS = false
    /// The continuation decoded without special tokens.
    public var text = ""

    public init(model: String, prompt: String, inputIDs: [Int], promptTokens: [String], decoderStartID: Int) {
        self.model = model
        self.prompt = prompt
        self.inputIDs = inputIDs
        self.promptTokens = promptTokens
        self.decoderStartID = decoderStartID
    }

    /// The decoder's ids: the start token and every generated one.
    public var decoderIDs: [Int] { [decoderStartID] + steps.map(\.id) }

    public var table: String {
        var lines = ["Tokenized prompt: " + PythonRepr.list(promptTokens)]
        lines.append("Greedy decoding from decoder_start_token_id \(decoderStartID) ("
                     + (stoppedAtEOS ? "stopped at EOS" : "stopped at the step limit") + "):")
        let tokens = steps.map { PythonRepr.string($0.token) }
        let idWidth = max(2, steps.map { String($0.id).count }.max() ?? 0)
        let tokenWidth = max(5, tokens.map(\.count).max() ?? 0)
        lines.append(right("step", 4) + "  " + right("id", idWidth) + "  " + Format.padded("token", tokenWidth)
                     + "  " + right("prob", 7) + "  " + right("logit", 8))
        for (i, step) in steps.enumerated() {
            lines.append(right(String(i), 4) + "  " + right(String(step.id), idWidth) + "  " + Format.padded(tokens[i], tokenWidth)
                         + "  " + right(String(format: "%.2f%%", step.probability * 100), 7)
                         + "  " + right(String(format: "%.2f", step.logit), 8))
        }
        lines.append("Decoded: " + PythonRepr.string(text))
        return lines.joined(separator: "\n")
    }

    /// `{"model", "prompt", "input_ids", "tokens", "decoder_input_ids", "new_ids", "new_tokens", "stopped_at_eos", "text"}`.
    public var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("prompt", .string(prompt)),
            ("input_ids", .array(inputIDs.map { .int(Int64($0)) })),
            ("tokens", .array(promptTokens.map { .string($0) })),
            ("decoder_input_ids", .array(decoderIDs.map { .int(Int64($0)) })),
            ("new_ids", .array(steps.map { .int(Int64($0.id)) })),
            ("new_tokens", .array(steps.map { .string($0.token) })),
            ("stopped_at_eos", .bool(stoppedAtEOS)),
            ("text", .string(text)),
        ])
    }

    private func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
