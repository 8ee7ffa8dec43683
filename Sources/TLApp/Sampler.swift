import Foundation
import TLCore

/// How the next token is chosen: greedy (temperature 0) or sampled after transformers'
/// logits warpers, in its order: temperature, then top-k, then top-p.
public struct SamplingOptions: Sendable, Equatable {
    /// 0: greedy (argmax, as `generate(do_sample=False)`); > 0: divides the logits before sampling.
    public var temperature: Double
    /// Keep only the k most likely tokens (ties with the k-th kept, as transformers' `TopKLogitsWarper`).
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (`TopPLogitsWarper`).
    public var topP: Double?
    /// The PRNG's seed: the same seed gives the same tokens on every run.
    public var seed: UInt64

    public init(temperature: Double = 0, topK: Int? = nil, topP: Double? = nil, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public var isGreedy: Bool { temperature == 0 }

    /// One line for each flag out of range.
    public func validate() throws(TLError) {
        guard temperature.isFinite, temperature >= 0 else {
            throw .usage("--temperature must be a finite number ≥ 0 (got \(temperature)); 0 is greedy")
        }
        if let topK, topK < 1 { throw .usage("--top-k must be at least 1 (got \(topK))") }
        if let topP, !(topP > 0 && topP <= 1) { throw .usage("--top-p must be in (0, 1] (got \(topP))") }
    }
}

/// Picks token ids from next-token logits, deterministically for a given seed.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var random: SplitMix64

    public init(_ options: SamplingOptions) throws(TLError) {
        try options.validate()
        self.options = options
        random = SplitMix64(seed: options.seed)
    }

    /// The next token for `logits` (one position, `[d_vocab]`).
    public mutating func next(_ logits: [Float]) -> Int {
        if options.isGreedy { return Self.argmax(logits) }
        let scores = warped(logits)
        // Softmax in double, then inverse-CDF sampling in vocabulary order (torch.multinomial's order).
        let peak = scores.max() ?? 0
        // A temperature so small that logits overflowed: all the mass is on the largest logit
        // (which top-k and top-p always keep).
        if peak == .infinity { return Self.argmax(logits) }
        let weights = scores.map { $0 == -.infinity ? 0 : exp(Double($0 - peak)) }
        let total = weights.reduce(0, +)
        let target = random.nextUnit() * total
        var running = 0.0
        var last = 0
        for (id, weight) in weights.enumerated() where weight > 0 {
            running += weight
            last = id
            if running > target { return id }
        }
        return last
    }

    /// The first index of the largest logit (torch's `argmax` on ties).
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }

    /// The scores after transformers' warpers: temperature, top-k, top-p; removed tokens are -inf.
    public func warped(_ logits: [Float]) -> [Float] {
        var scores = options.temperature == 1 ? logits : logits.map { $0 / Float(options.temperature) }
        if let k = options.topK, k < scores.count {
            let threshold = scores.sorted(by: >)[k - 1]
            for i in scores.indices where scores[i] < threshold { scores[i] = -.infinity }
        }
        if let p = options.topP, p < 1 {
            // Ascending by score (stable), cumulative probability; drop the low tail whose mass is
            // at most 1 - p, always keeping the most likely token.
            let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            let peak = scores.max() ?? 0
            let weights = order.map { scores[$0] == -.infinity ? 0 : exp(Double(scores[$0] - peak)) }
            let total = weights.reduce(0, +)
            var cumulative = 0.0
            for (rank, id) in order.enumerated().dropLast() {
                cumulative += weights[rank] / total
                if cumulative <= 1 - p { scores[id] = -.infinity }
            }
        }
        return scores
    }
}
