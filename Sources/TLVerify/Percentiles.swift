/// Order statistics of a sample as numpy computes them, so that each equals
/// `np.percentile(values, q)` (method "linear": interpolation between closest ranks).
public struct OrderStatistics: Sendable, Equatable {
    /// llama.cpp's percentile ladder, highest first, with the key suffixes CONTRACT.md gives
    /// them (`kl_p99_9`, …, `kl_p0_1`).
    public static let ladder: [(suffix: String, percent: Double)] = [
        ("p99_9", 99.9), ("p99", 99), ("p95", 95), ("p90", 90), ("p10", 10), ("p5", 5), ("p1", 1), ("p0_1", 0.1),
    ]

    public let minimum: Double
    public let maximum: Double
    public let median: Double
    /// The values at `ladder`'s percentiles, in its order.
    public let percentiles: [Double]

    /// nil for an empty sample, which has no order statistics.
    public init?(_ values: [Double]) {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return nil }
        minimum = first
        maximum = last
        median = Self.percentile(sorted, 50)
        percentiles = Self.ladder.map { Self.percentile(sorted, $0.percent) }
    }

    /// `np.percentile(sorted, percent)` of a non-empty ascending sample: the rank
    /// (n − 1)·percent/100, interpolated between its neighbours from the nearer one as
    /// numpy's `_lerp` does (so rank k + 1 − ε gives the upper value, not a rounded sum).
    static func percentile(_ sorted: [Double], _ percent: Double) -> Double {
        let rank = Double(sorted.count - 1) * (percent / 100)
        let below = min(max(Int(rank.rounded(.down)), 0), sorted.count - 1)
        let above = min(below + 1, sorted.count - 1)
        let t = rank - Double(below)
        let (a, b) = (sorted[below], sorted[above])
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
    }
}
