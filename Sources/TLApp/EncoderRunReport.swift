import Foundation
import TLCore
import TLFormats
import TLVerify

/// What `tlconvert run` shows for an encoder (BERT): the tokens, then the `[MASK]` predictions
/// (top-k per mask and TransformerLens's `return_type="predictions"`), or for a sentence pair
/// the NSP verdict, or for a model without heads its final hidden state.
public struct EncoderRunReport: Sendable {
    /// One `[MASK]` position and its top-k tokens.
    public struct Mask: Sendable {
        public let position: Int
        public let topK: [PromptReport.Prediction]
    }

    /// TransformerLens returns one string, or a list of `Prediction i: …` strings.
    public enum Predictions: Sendable, Equatable {
        case text(String)
        case list([String])
    }

    /// `BertNextSentencePrediction`'s two verdicts, by the argmax of its logits.
    public static let nspVerdicts = ["The sentences are sequential", "The sentences are NOT sequential"]

    public let model: String
    public let prompt: String
    public let pair: String?
    public let inputIDs: [Int]
    public let typeIDs: [Int]
    /// The tokens as `to_str_tokens` shows them.
    public let tokens: [String]
    public var masks: [Mask] = []
    public var predictions: Predictions?
    /// `[2]`: the NSP logits (index 0: B follows A).
    public var nspLogits: [Float]?
    /// `[1, seq, d_model]` for a model without heads.
    public var hiddenStates: FloatTensor?

    public var nspVerdict: String? {
        guard let l = nspLogits, l.count == 2 else { return nil }
        return Self.nspVerdicts[l[1] > l[0] ? 1 : 0]
    }

    /// The NSP probabilities (softmax of the logits).
    public var nspProbabilities: [Double]? {
        guard let l = nspLogits, l.count == 2 else { return nil }
        let peak = Double(max(l[0], l[1]))
        let e = l.map { exp(Double($0) - peak) }
        return e.map { $0 / (e[0] + e[1]) }
    }

    public var table: String {
        var lines = ["Tokenized prompt: " + PythonRepr.list(tokens)]
        if pair != nil { lines.append("Token type ids: [" + typeIDs.map(String.init).joined(separator: ", ") + "]") }
        if let verdict = nspVerdict, let p = nspProbabilities, let l = nspLogits {
            lines.append("Next sentence prediction: \(verdict)")
            lines.append(String(format: "  is next: %.2f%% (logit %.4f)   not next: %.2f%% (logit %.4f)", p[0] * 100, l[0], p[1] * 100, l[1]))
        }
        if let predictions {
            switch predictions {
            case .text(let text): lines.append("Predictions: " + PythonRepr.string(text))
            case .list(let items): lines.append("Predictions: " + PythonRepr.list(items))
            }
        } else if nspLogits == nil && hiddenStates == nil {
            lines.append("No [MASK] token in the prompt: nothing to predict.")
        }
        for mask in masks {
            lines.append("Top \(mask.topK.count) for [MASK] at position \(mask.position):")
            lines.append(PromptReport.rankTable(mask.topK))
        }
        if let hidden = hiddenStates, hidden.shape.count == 3 {
            let d = hidden.shape[2]
            lines.append("No output head: final hidden state [\(hidden.shape.map(String.init).joined(separator: ", "))] (norm per position):")
            for (p, token) in tokens.enumerated() {
                let v = hidden.values[(p * d)..<((p + 1) * d)]
                let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                lines.append(String(format: "%4d  %@  %.4f", p, PythonRepr.string(token), norm))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `{model, prompt, pair, input_ids, token_type_ids, tokens, predictions, masks: [{position, top_k}],
    /// nsp: {logits, probs, prediction}, hidden_states}` (absent parts null).
    public var json: JSONValue {
        func ints(_ xs: [Int]) -> JSONValue { .array(xs.map { .int(Int64($0)) }) }
        let predictionsJSON: JSONValue
        switch predictions {
        case .text(let text): predictionsJSON = .string(text)
        case .list(let items): predictionsJSON = .array(items.map { .string($0) })
        case nil: predictionsJSON = .null
        }
        var nsp: JSONValue = .null
        if let l = nspLogits, let p = nspProbabilities, let verdict = nspVerdict {
            nsp = .object([("logits", .array(l.map { .double(Double($0)) })), ("probs", .array(p.map { .double($0) })),
                           ("prediction", .string(verdict))])
        }
        let hidden: JSONValue = hiddenStates.map { h in
            let d = h.shape.last ?? 1
            return .array(stride(from: 0, to: h.values.count, by: d).map { start in
                .array(h.values[start..<(start + d)].map { .double(Double($0)) })
            })
        } ?? .null
        return .object([
            ("model", .string(model)), ("prompt", .string(prompt)), ("pair", pair.map { .string($0) } ?? .null),
            ("input_ids", ints(inputIDs)), ("token_type_ids", ints(typeIDs)),
            ("tokens", .array(tokens.map { .string($0) })),
            ("predictions", predictionsJSON),
            ("masks", .array(masks.map { mask in
                .object([("position", .int(Int64(mask.position))),
                         ("top_k", .array(mask.topK.map(PromptReport.json)))])
            })),
            ("nsp", nsp), ("hidden_states", hidden),
        ])
    }
}
