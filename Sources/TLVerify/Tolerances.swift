/// The pass/fail thresholds of `verify` (CONTRACT.md defaults, overridable by flags).
public struct Tolerances: Sendable, Equatable {
    public var maxKL: Double
    public var minCosine: Double
    public var minTop1: Double

    public init(maxKL: Double = 1e-4, minCosine: Double = 0.9999, minTop1: Double = 1) {
        self.maxKL = maxKL
        self.minCosine = minCosine
        self.minTop1 = minTop1
    }

    /// CONTRACT.md's defaults: kl_max ≤ 1e-4, cosine_min ≥ 0.9999, top1_agreement = 1.
    public static let contract = Tolerances()

    /// Each missed tolerance as a readable clause; empty when all hold.
    public func failures(_ m: LogitMetrics) -> [String] {
        var out = [String]()
        if !(m.klMax <= maxKL) { out.append("kl_max \(Format.number(m.klMax)) > \(Format.number(maxKL))") }
        if !(m.cosineMin >= minCosine) { out.append("cosine_min \(Format.number(m.cosineMin)) < \(Format.number(minCosine))") }
        if !(m.top1Agreement >= minTop1) { out.append("top1_agreement \(Format.number(m.top1Agreement)) < \(Format.number(minTop1))") }
        return out
    }
}
