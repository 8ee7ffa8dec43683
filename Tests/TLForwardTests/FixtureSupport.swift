import Foundation
import TLCore
import TLFormats
import TLForward
import TLModel
import TLTestSupport

/// The forward tests' helpers over the shared fixtures (TLTestSupport).
extension Fixtures {
    /// One (case, processing) pair: every processing TransformerLens made references for.
    struct Run: Sendable, CustomStringConvertible {
        let fixture: FixtureCase
        let processing: String
        var description: String { "\(fixture.name)/\(processing)" }
    }

    /// TransformerLens's processed references are known wrong for some cases (Mixtral's fold_ln):
    /// those keep only their raw run.
    static func referenceRuns() -> [Run] {
        withTLReferences.flatMap { c in
            (c.tlProcessedBroken ? c.tlProcessings.filter { $0 == "raw" } : c.tlProcessings)
                .map { Run(fixture: c, processing: $0) }
        }
    }

    /// A config JSON with some keys replaced (the manifest's `tl_wrong_cfg` corrections).
    static func config(_ file: String, corrections: [(key: String, value: JSONValue)] = []) throws -> CanonicalConfig {
        guard case .object(var members) = try JSONParser.parseFile(file) else { throw TLError.badFile(path: file, problem: "not an object") }
        for (key, value) in corrections {
            members.removeAll { $0.key == key }
            members.append((key, value))
        }
        let text = JSONWriter.string(.object(members))
        return try JSONDecoder().decode(CanonicalConfig.self, from: Data(text.utf8))
    }

    /// input_ids as rows.
    static func tokens(_ source: any TensorSource) throws(TLError) -> [[Int]] {
        let tensor = try source.tensor(named: "input_ids")
        let ids = tensor.integers().map(Int.init)
        let seq = tensor.shape.last ?? ids.count
        return stride(from: 0, to: ids.count, by: seq).map { Array(ids[$0..<($0 + seq)]) }
    }

    /// Max |Δ log-probability| between two `[batch, seq, vocab]` logit tensors (float64).
    static func maxLogProbDiff(_ a: [Float], _ b: [Float], vocab: Int) -> Double {
        var worst = 0.0
        for start in stride(from: 0, to: a.count, by: vocab) {
            let la = logSoftmax(a[start..<(start + vocab)]), lb = logSoftmax(b[start..<(start + vocab)])
            for (x, y) in zip(la, lb) { worst = max(worst, abs(x - y)) }
        }
        return worst
    }

    static func logSoftmax(_ row: ArraySlice<Float>) -> [Double] {
        let peak = Double(row.max() ?? 0)
        let total = row.reduce(0.0) { $0 + exp(Double($1) - peak) }
        let z = peak + log(total)
        return row.map { Double($0) - z }
    }
}
