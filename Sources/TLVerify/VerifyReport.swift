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
    /// extensions `max_logprob_diff`, `token_positions`, llama.cpp's statistics (`ppl_ref` …
    /// `same_top_p`, null where no position defines them), `reference`, `tolerances` and
    /// `rows` (each with the same metrics).
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
         ("max_logprob_diff", .double(m.maxLogProbDiff))] + statistics(m.tokenStats)
    }

    /// CONTRACT.md's names for llama.cpp's statistics, in llama.cpp's order.
    private static func statistics(_ s: TokenProbabilityStats) -> [(key: String, value: JSONValue)] {
        func number(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
        func ladder(_ prefix: String, _ order: OrderStatistics?) -> [(key: String, value: JSONValue)] {
            OrderStatistics.ladder.enumerated().map { ("\(prefix)_\($0.element.suffix)", number(order?.percentiles[$0.offset])) }
        }
        let next = s.nextToken
        return [("token_positions", .int(Int64(s.tokenPositions))),
                ("ppl_ref", number(next?.pplReference)), ("ppl_ours", number(next?.pplOurs)),
                ("ln_ppl_ratio", number(next?.lnPplRatio)),
                ("kl_median", number(s.kl?.median)), ("kl_min", number(s.kl?.minimum))]
            + ladder("kl", s.kl)
            + [("delta_p_mean", number(next?.deltaPMean)), ("delta_p_rms", number(next?.deltaPRMS)),
               ("delta_p_max", number(next?.deltaP.maximum)), ("delta_p_min", number(next?.deltaP.minimum)),
               ("delta_p_median", number(next?.deltaP.median))]
            + ladder("delta_p", next?.deltaP)
            + [("same_top_p", number(s.sameTopP))]
    }

    /// A table for people: one line per batch row, then the overall line; llama.cpp's
    /// statistics (overall); the verdict.
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
        var text = "reference: \(reference)\n" + Format.columns(lines) + "\n" + statisticsBlock + "\n"
        text += "tolerances: kl_max ≤ \(Format.number(tolerances.maxKL)), cosine_min ≥ \(Format.number(tolerances.minCosine)), "
            + "top1_agreement ≥ \(Format.number(tolerances.minTop1))\n"
        text += passed ? "result: PASS" : "result: FAIL (\(failures.joined(separator: "; ")))"
        return text
    }

    /// llama.cpp's block for the overall metrics (rows have theirs in `--json`), one statistic
    /// a line as llama.cpp prints them, KL and Δp side by side under the JSON keys' names
    /// (`p99_9` under `kl` is `kl_p99_9`); "—" where no position defines a value.
    private var statisticsBlock: String {
        let s = overall.tokenStats
        let next = s.nextToken
        func cell(_ x: Double?) -> String { x.map(Format.number) ?? "—" }
        var text = "llama.cpp statistics (overall; p(x) of the next token x at \(s.tokenPositions) of "
            + "\(overall.positions) positions)\n"
        text += Format.columns([["ppl_ref", cell(next?.pplReference)], ["ppl_ours", cell(next?.pplOurs)],
                                ["ln_ppl_ratio", cell(next?.lnPplRatio)], ["same_top_p", cell(s.sameTopP)]])
        var ladder: [[String]] = [["", "kl", "delta_p"],
                                  ["mean", cell(s.kl.map { _ in overall.klMean }), cell(next?.deltaPMean)],
                                  ["rms", "", cell(next?.deltaPRMS)],
                                  ["max", cell(s.kl?.maximum), cell(next?.deltaP.maximum)]]
        let levels = OrderStatistics.ladder.enumerated().map { i, level in
            (percent: level.percent, cells: [level.suffix, cell(s.kl?.percentiles[i]), cell(next?.deltaP.percentiles[i])])
        }
        ladder += levels.filter { $0.percent > 50 }.map(\.cells)
        ladder.append(["median", cell(s.kl?.median), cell(next?.deltaP.median)])
        ladder += levels.filter { $0.percent < 50 }.map(\.cells)
        ladder.append(["min", cell(s.kl?.minimum), cell(next?.deltaP.minimum)])
        return text + Format.columns(ladder)
    }
}
