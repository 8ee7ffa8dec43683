import Foundation
import TLCore
import TLFormats

/// What `tlconvert run` shows for one prompt, modelled on TransformerLens's
/// `utils.test_prompt`: the prompt's string tokens, then the k most likely next tokens
/// (the softmax of the logits at the last position) with rank (0-based, as TransformerLens
/// counts), id, token string, probability and logit.
public struct PromptReport: Sendable {
    public struct Prediction: Sendable, Equatable {
        public let rank: Int
        public let id: Int
        /// The token decoded alone, special tokens kept (TransformerLens's `to_string`).
        public let token: String
        public let probability: Double
        public let logit: Float

        public init(rank: Int, id: Int, token: String, probability: Double, logit: Float) {
            self.rank = rank
            self.id = id
            self.token = token
            self.probability = probability
            self.logit = logit
        }
    }

    public let model: String
    public let prompt: String
    public let inputIDs: [Int]
    /// TransformerLens's `to_str_tokens` of the prompt.
    public let promptTokens: [String]
    public let predictions: [Prediction]
    /// Tokens cut from the end of a prompt longer than `n_ctx` (TransformerLens's `to_tokens` truncates silently).
    public var droppedTokens = 0

    /// - Parameters:
    ///   - logits: the forward pass's output `[1, seq, d_vocab]` for `inputIDs`.
    ///   - topK: how many predictions to keep (at most d_vocab).
    ///   - tokenString: the string of one token id.
    public init(model: String, prompt: String, inputIDs: [Int], promptTokens: [String], logits: FloatTensor,
                topK: Int, tokenString: (Int) -> String) throws(TLError) {
        guard logits.shape.count == 3, logits.shape[0] == 1, logits.shape[1] == inputIDs.count, logits.shape[2] > 0 else {
            throw .badTensor(name: "logits", problem: "has shape \(logits.shape), expected [1, \(inputIDs.count), d_vocab]")
        }
        guard topK > 0 else { throw .usage("--top-k must be at least 1 (got \(topK))") }
        let vocab = logits.shape[2]
        let last = Array(logits.values[(inputIDs.count - 1) * vocab ..< inputIDs.count * vocab])
        self.model = model
        self.prompt = prompt
        self.inputIDs = inputIDs
        self.promptTokens = promptTokens
        predictions = PromptReport.top(min(topK, vocab), of: last).enumerated().map { rank, entry in
            Prediction(rank: rank, id: entry.id, token: tokenString(entry.id), probability: entry.probability,
                       logit: entry.logit)
        }
    }

    /// The `k` largest logits of one position (ties: the lower id first) and their softmax
    /// probabilities, computed in double precision.
    public static func top(_ k: Int, of logits: [Float]) -> [(id: Int, probability: Double, logit: Float)] {
        guard k > 0, let maxLogit = logits.max() else { return [] }
        var sum = 0.0
        for l in logits { sum += exp(Double(l) - Double(maxLogit)) }
        // A bounded insertion list: k is small next to the vocabulary.
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for (id, logit) in logits.enumerated() {
            if best.count == k, let worst = best.last, !(logit > worst.logit) { continue }
            let at = best.firstIndex { logit > $0.logit } ?? best.count
            best.insert((id, logit), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { ($0.id, exp(Double($0.logit) - Double(maxLogit)) / sum, $0.logit) }
    }

    /// `Tokenized prompt: [...]` as TransformerLens prints it, then the top-k table.
    public var table: String {
        var lines = ["Tokenized prompt: " + PythonRepr.list(promptTokens)]
        lines.append("Top \(predictions.count) next token\(predictions.count == 1 ? "" : "s") after position \(inputIDs.count - 1):")
        lines.append(Self.rankTable(predictions))
        return lines.joined(separator: "\n")
    }

    /// The rank / id / token / prob / logit table of some predictions.
    public static func rankTable(_ predictions: [Prediction]) -> String {
        var lines = [String]()
        let tokens = predictions.map { PythonRepr.string($0.token) }
        let rankWidth = max(4, String(predictions.count - 1).count)
        let idWidth = max(2, predictions.map { String($0.id).count }.max() ?? 0)
        let tokenWidth = max(5, tokens.map(\.count).max() ?? 0)
        let probabilities = predictions.map { String(format: "%.2f%%", $0.probability * 100) }
        let logits = predictions.map { String(format: "%.2f", $0.logit) }
        let probWidth = max(4, probabilities.map(\.count).max() ?? 0)
        let logitWidth = max(5, logits.map(\.count).max() ?? 0)
        lines.append(right("rank", rankWidth) + "  " + right("id", idWidth) + "  " + Format.padded("token", tokenWidth)
                     + "  " + right("prob", probWidth) + "  " + right("logit", logitWidth))
        for (i, p) in predictions.enumerated() {
            lines.append(right(String(p.rank), rankWidth) + "  " + right(String(p.id), idWidth) + "  "
                         + Format.padded(tokens[i], tokenWidth) + "  " + right(probabilities[i], probWidth) + "  "
                         + right(logits[i], logitWidth))
        }
        return lines.joined(separator: "\n")
    }

    /// `{"rank", "id", "token", "prob", "logit"}` of one prediction.
    public static func json(_ p: Prediction) -> JSONValue {
        .object([("rank", .int(Int64(p.rank))), ("id", .int(Int64(p.id))), ("token", .string(p.token)),
                 ("prob", .double(p.probability)), ("logit", .double(Double(p.logit)))])
    }

    /// `{"model", "prompt", "input_ids", "tokens", "dropped_tokens", "top_k": [{"rank", "id", "token", "prob", "logit"}]}`.
    public var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("prompt", .string(prompt)),
            ("input_ids", .array(inputIDs.map { .int(Int64($0)) })),
            ("tokens", .array(promptTokens.map { .string($0) })),
            ("dropped_tokens", .int(Int64(droppedTokens))),
            ("top_k", .array(predictions.map(PromptReport.json))),
        ])
    }

    private static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
