import Foundation

/// llama.cpp's `perplexity --kl-divergence` statistics as CONTRACT.md defines them, so a
/// tlconvert report reads next to llama.cpp's: the KL distribution over every compared
/// position, and, on the dump's own tokens, the probability p(x) each side gives the next
/// token x = `input_ids[b, t+1]` at position t.
public struct TokenProbabilityStats: Sendable, Equatable {
    /// KL(reference ‖ ours) over every compared position; nil when there is none.
    public var kl: OrderStatistics?
    /// Fraction of compared positions whose argmax agrees (llama.cpp's "same top p"); nil
    /// when there is none.
    public var sameTopP: Double?
    /// Positions that score a next token: it and the next position are compared.
    public var tokenPositions = 0
    /// The statistics of p(x); nil when no position scores a next token.
    public var nextToken: NextTokenStats?

    public init() {}

    /// The statistics of p(x) over the positions that score a next token.
    public struct NextTokenStats: Sendable, Equatable {
        /// exp of the mean of −ln p_ref(x).
        public var pplReference: Double
        /// exp of the mean of −ln p_ours(x).
        public var pplOurs: Double
        /// Mean of ln p_ref(x) − ln p_ours(x), i.e. ln(ppl_ours / ppl_ref).
        public var lnPplRatio: Double
        /// Of Δp = p_ours(x) − p_ref(x).
        public var deltaPMean: Double
        public var deltaPRMS: Double
        public var deltaP: OrderStatistics
    }

    /// Per-position values, kept whole because percentiles need every one.
    struct Samples {
        var kl = [Double]()
        var sameTop = 0
        var lnReference = [Double]()
        var lnOurs = [Double]()

        /// One compared position: its KL, whether the argmaxes agree and, when it scores a
        /// next token, that token's log-probabilities (reference, ours).
        mutating func add(kl value: Double, sameTop agrees: Bool, next: (reference: Double, ours: Double)?) {
            kl.append(value)
            if agrees { sameTop += 1 }
            if let next {
                lnReference.append(next.reference)
                lnOurs.append(next.ours)
            }
        }

        func finish() -> TokenProbabilityStats {
            var stats = TokenProbabilityStats()
            stats.kl = OrderStatistics(kl)
            stats.sameTopP = kl.isEmpty ? nil : Double(sameTop) / Double(kl.count)
            stats.tokenPositions = lnReference.count
            let deltaP = zip(lnOurs, lnReference).map { exp($0) - exp($1) }
            guard let order = OrderStatistics(deltaP) else { return stats }
            let n = Double(deltaP.count)
            let mean = { (values: [Double]) in values.reduce(0, +) / n }
            stats.nextToken = NextTokenStats(
                pplReference: exp(-mean(lnReference)), pplOurs: exp(-mean(lnOurs)),
                lnPplRatio: mean(zip(lnReference, lnOurs).map { $0 - $1 }),
                deltaPMean: mean(deltaP), deltaPRMS: mean(deltaP.map { $0 * $0 }).squareRoot(), deltaP: order)
            return stats
        }
    }
}
