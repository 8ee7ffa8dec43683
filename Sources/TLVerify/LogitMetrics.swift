import Foundation
import TLCore

/// How far one set of logits is from a reference, per CONTRACT.md: logits compared
/// after subtracting each position's mean (so centring the unembed is no difference),
/// next-token distributions by KL(reference ‖ ours), everything in float64.
public struct LogitMetrics: Sendable, Equatable {
    public var positions = 0
    /// Mean squared difference of the centred logits.
    public var mse = 0.0
    /// Max |Δ| of the centred logits.
    public var maxAbsDiff = 0.0
    public var klMean = 0.0
    public var klMax = 0.0
    public var cosineMin = 1.0
    public var cosineMean = 1.0
    /// Fraction of positions whose argmax agrees.
    public var top1Agreement = 1.0
    /// Mean fraction of the reference's top 5 found in ours.
    public var top5Overlap = 1.0
    /// Max |Δ log-probability| over every position and token (the acceptance measure).
    public var maxLogProbDiff = 0.0
    /// llama.cpp's statistics over the same positions.
    public var tokenStats = TokenProbabilityStats()

    public init() {}

    /// Metrics over the positions of `reference` and `ours` (`[batch, seq, vocab]`) where
    /// `include(b, p)` holds; `nextToken(b, p)` is the token whose probability position
    /// (b, p) scores, nil when it scores none (an id outside the vocabulary scores none).
    public static func compare(reference: FloatTensor, ours: FloatTensor,
                               include: (Int, Int) -> Bool = { _, _ in true },
                               nextToken: (Int, Int) -> Int? = { _, _ in nil }) -> LogitMetrics {
        precondition(reference.shape == ours.shape && reference.rank == 3, "LogitMetrics: shapes differ")
        let (batch, seq, vocab) = (reference.shape[0], reference.shape[1], reference.shape[2])
        var accumulator = Accumulator()
        reference.values.withUnsafeBufferPointer { r in
            ours.values.withUnsafeBufferPointer { o in
                for b in 0..<batch {
                    for p in 0..<seq where include(b, p) {
                        let offset = (b * seq + p) * vocab
                        let next = nextToken(b, p).flatMap { (0..<vocab).contains($0) ? $0 : nil }
                        accumulator.add(reference: r.baseAddress! + offset, ours: o.baseAddress! + offset, vocab: vocab,
                                        nextToken: next)
                    }
                }
            }
        }
        return accumulator.finish()
    }

    /// Sums over positions; `finish()` turns them into means.
    struct Accumulator {
        var metrics = LogitMetrics()
        var squares = 0.0
        var klSum = 0.0
        var cosineSum = 0.0
        var top1 = 0
        var top5 = 0.0
        var values = 0
        var samples = TokenProbabilityStats.Samples()

        init() { metrics.cosineMin = .infinity }

        /// `nextToken`, when given, lies in `0..<vocab`.
        mutating func add(reference r: UnsafePointer<Float>, ours o: UnsafePointer<Float>, vocab: Int, nextToken: Int? = nil) {
            var meanR = 0.0, meanO = 0.0, maxR = -Double.infinity, maxO = -Double.infinity
            for i in 0..<vocab {
                let a = Double(r[i]), b = Double(o[i])
                meanR += a; meanO += b
                maxR = max(maxR, a); maxO = max(maxO, b)
            }
            meanR /= Double(vocab); meanO /= Double(vocab)
            var sumR = 0.0, sumO = 0.0
            for i in 0..<vocab {
                sumR += exp(Double(r[i]) - maxR)
                sumO += exp(Double(o[i]) - maxO)
            }
            let logZR = maxR + log(sumR), logZO = maxO + log(sumO)
            var kl = 0.0, dot = 0.0, normR = 0.0, normO = 0.0
            for i in 0..<vocab {
                let a = Double(r[i]), b = Double(o[i])
                let cr = a - meanR, co = b - meanO
                let d = cr - co
                squares += d * d
                metrics.maxAbsDiff = max(metrics.maxAbsDiff, abs(d))
                dot += cr * co; normR += cr * cr; normO += co * co
                let lr = a - logZR, lo = b - logZO
                kl += exp(lr) * (lr - lo)
                metrics.maxLogProbDiff = max(metrics.maxLogProbDiff, abs(lr - lo))
            }
            kl = max(kl, 0)  // rounding can leave a tiny negative
            let cosine: Double
            if normR == 0 && normO == 0 { cosine = 1 }
            else if normR == 0 || normO == 0 { cosine = 0 }
            else { cosine = dot / (normR.squareRoot() * normO.squareRoot()) }
            let refTop = LogitMetrics.topIndices(r, vocab: vocab, k: 5)
            let ourTop = LogitMetrics.topIndices(o, vocab: vocab, k: 5)
            let agrees = refTop.first == ourTop.first
            if agrees { top1 += 1 }
            samples.add(kl: kl, sameTop: agrees,
                        next: nextToken.map { (Double(r[$0]) - logZR, Double(o[$0]) - logZO) })
            top5 += Double(Set(refTop).intersection(ourTop).count) / Double(refTop.count)
            klSum += kl
            cosineSum += cosine
            metrics.klMax = max(metrics.klMax, kl)
            metrics.cosineMin = min(metrics.cosineMin, cosine)
            metrics.positions += 1
            values += vocab
        }

        func finish() -> LogitMetrics {
            var m = metrics
            guard m.positions > 0 else { return LogitMetrics() }
            m.tokenStats = samples.finish()
            let n = Double(m.positions)
            m.mse = squares / Double(values)
            m.klMean = klSum / n
            m.cosineMean = cosineSum / n
            m.top1Agreement = Double(top1) / n
            m.top5Overlap = top5 / n
            return m
        }
    }

    /// Indices of the k largest values, largest first (lower index first on ties).
    static func topIndices(_ values: UnsafePointer<Float>, vocab: Int, k: Int) -> [Int] {
        var top = [Int]()
        top.reserveCapacity(k + 1)
        for i in 0..<vocab {
            let v = values[i]
            if top.count == min(k, vocab), let last = top.last, !(v > values[last]) { continue }
            var slot = top.count
            while slot > 0 && v > values[top[slot - 1]] { slot -= 1 }
            top.insert(i, at: slot)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}
