import TLCore
import TLFormats

/// The outcome of verifying a model against one reference dump: overall and per
/// batch row metrics, the tolerances applied and the verdict.
public struct VerifyReport: Sendable {
    public let reference: String
    public let overall: LogitMetrics
    /// One entry per batch row of the dump.
    public let rows: [LogitMetrics]
    public let tolerances: Tolerances

    public init(reference: String, overall: LogitMetrics, rows: [LogitMetrics], tolerances: Tolerances) {
        self.reference = reference
        self.overall = overall
        self.rows = rows
        self.tolerances = tolerances
    }

    /// Missed tolerances (empty on a pass).
    public var failures: [String] { tolerances.failures(overall) }
    public var passed: Bool { failures.isEmpty }

    /// The contract's JSON object: `positions`, `mse`, `max_abs_diff`, `kl_mean`, `kl_max`,
    /// `cosine_min`, `cosine_mean`, `top1_agreement`, `top5_overlap`, `pass`, then the
    /// extensions `max_logprob_diff`, `reference`, `tolerances` and `rows`.
    public var json: JSONValue {
        var members = VerifyReport.fields(overall)
        members.insert(("pass", .bool(passed)), at: 9)
        members.append(("reference", .string(reference)))
        members.append(("tolerances", .object([
            ("kl_max", .double(tolerances.maxKL)),
            ("cosine_min", .double(tolerances.minCosine)),
            ("top1_agreement", .double(tolerances.minTop1)),
        ])))
        members.append(("rows", .array(rows.map { .object(VerifyReport.fields($0)) })))
        return .object(members)
    }

    private static func fields(_ m: LogitMetrics) -> [(key: String, value: JSONValue)] {
        [("positions", .int(Int64(m.positions))), ("mse", .double(m.mse)), ("max_abs_diff", .double(m.maxAbsDiff)),
         ("kl_mean", .double(m.klMean)), ("kl_max", .double(m.klMax)),
         ("cosine_min", .double(m.cosineMin)), ("cosine_mean", .double(m.cosineMean)),
         ("top1_agreement", .double(m.top1Agreement)), ("top5_overlap", .double(m.top5Overlap)),
         ("max_logprob_diff", .double(m.maxLogProbDiff))]
    }

    /// A table for people: one line per batch row, then the overall line and the verdict.
    public var table: String {
        let headers = ["", "positions", "mse", "max|Δ|", "kl_mean", "kl_max", "cos_min", "cos_mean",
                       "top1", "top5", "max|Δlogp|"]
        func cells(_ label: String, _ m: LogitMetrics) -> [String] {
            [label, String(m.positions), Format.number(m.mse), Format.number(m.maxAbsDiff),
             Format.number(m.klMean), Format.number(m.klMax), Format.number(m.cosineMin),
             Format.number(m.cosineMean), Format.number(m.top1Agreement), Format.number(m.top5Overlap),
             Format.number(m.maxLogProbDiff)]
        }
        var lines = [headers] + rows.enumerated().map { cells("row \($0.offset)", $0.element) }
        lines.append(cells("overall", overall))
        let widths = headers.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = "reference: \(reference)\n"
        for line in lines {
            let cells = zip(line, widths).map { Format.padded($0, $1) }.joined(separator: "  ")
            text += String(cells.reversed().drop(while: { $0 == " " }).reversed()) + "\n"
        }
        text += "tolerances: kl_max ≤ \(Format.number(tolerances.maxKL)), cosine_min ≥ \(Format.number(tolerances.minCosine)), "
            + "top1_agreement ≥ \(Format.number(tolerances.minTop1))\n"
        text += passed ? "result: PASS" : "result: FAIL (\(failures.joined(separator: "; ")))"
        return text
    }
}
