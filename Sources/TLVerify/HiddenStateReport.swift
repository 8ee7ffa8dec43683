import Foundation
import TLCore
import TLFormats

/// A model without an output head (a bare `BertModel`) compared on its final hidden state:
/// over the unmasked positions, MSE and max |Δ| of the raw vectors and their cosine similarity
/// (CONTRACT.md: keys `positions`, `mse`, `max_abs_diff`, `cosine_min`, `cosine_mean`, `pass`;
/// default tolerance `cosine_min ≥ 0.9999`).
public struct HiddenStateReport: Sendable {
    public let reference: String
    public let positions: Int
    public let mse: Double
    public let maxAbsDiff: Double
    public let cosineMin: Double
    public let cosineMean: Double
    public let minCosine: Double

    /// Compares `ours` with `reference` (both `[batch, seq, d_model]`) where `keep(b, p)`.
    public init(reference path: String, expected: FloatTensor, ours: FloatTensor, keep: (Int, Int) -> Bool,
                minCosine: Double) {
        let (batch, seq, d) = (expected.shape[0], expected.shape[1], expected.shape[2])
        var count = 0, squares = 0.0, maxDiff = 0.0, cosMin = Double.infinity, cosSum = 0.0
        for b in 0..<batch {
            for p in 0..<seq where keep(b, p) {
                let base = (b * seq + p) * d
                var dot = 0.0, nr = 0.0, no = 0.0
                for i in 0..<d {
                    let r = Double(expected.values[base + i]), o = Double(ours.values[base + i])
                    squares += (r - o) * (r - o)
                    maxDiff = max(maxDiff, abs(r - o))
                    dot += r * o
                    nr += r * r
                    no += o * o
                }
                let cosine = nr > 0 && no > 0 ? dot / (nr.squareRoot() * no.squareRoot()) : (nr == no ? 1 : 0)
                cosMin = min(cosMin, cosine)
                cosSum += cosine
                count += 1
            }
        }
        self.reference = path
        positions = count
        mse = count > 0 ? squares / Double(count * d) : 0
        maxAbsDiff = maxDiff
        cosineMin = count > 0 ? cosMin : 0
        cosineMean = count > 0 ? cosSum / Double(count) : 0
        self.minCosine = minCosine
    }

    public var failures: [String] {
        cosineMin >= minCosine ? [] : ["cosine_min \(Format.number(cosineMin)) < \(Format.number(minCosine))"]
    }
    public var passed: Bool { failures.isEmpty }

    public var json: JSONValue {
        .object([("positions", .int(Int64(positions))), ("mse", .double(mse)), ("max_abs_diff", .double(maxAbsDiff)),
                 ("cosine_min", .double(cosineMin)), ("cosine_mean", .double(cosineMean)), ("pass", .bool(passed)),
                 ("compared", .string("hidden_states")), ("reference", .string(reference)),
                 ("tolerances", .object([("cosine_min", .double(minCosine))]))])
    }

    public var table: String {
        var text = "reference: \(reference) (final hidden states: the model has no output head)\n"
        text += Format.columns([["positions", "mse", "max|Δ|", "cos_min", "cos_mean"],
                                [String(positions), Format.number(mse), Format.number(maxAbsDiff),
                                 Format.number(cosineMin), Format.number(cosineMean)]]) + "\n"
        text += "tolerances: cosine_min ≥ \(Format.number(minCosine))\n"
        text += passed ? "result: PASS" : "result: FAIL (\(failures.joined(separator: "; ")))"
        return text
    }
}
