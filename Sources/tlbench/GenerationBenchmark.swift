import Foundation
import TLCore
import TLForward

/// Greedy generation with the KV cache on the benchmark's model: the prompt once (prefill), then
/// one position per new token. Without the cache each new token would cost a full forward pass
/// over the sequence, which `forward` times already.
enum GenerationBenchmark {
    struct Timing {
        let prefill: Double
        /// Seconds for `newTokens` cached steps (best run).
        let decode: Double
        let newTokens: Int
        var tokensPerSecond: Double { Double(newTokens) / decode }
    }

    static func measure(_ transformer: Transformer, prompt: [Int], newTokens: Int, repeats: Int) throws -> Timing {
        var best = Timing(prefill: .infinity, decode: .infinity, newTokens: newTokens)
        for _ in 0..<max(repeats, 1) {
            let session = DecodingSession(transformer, capacity: prompt.count + newTokens)
            let start = Date()
            var logits = try session.nextLogits(after: prompt)
            let prefilled = Date()
            for _ in 0..<newTokens { logits = try session.nextLogits(after: [argmax(logits)]) }
            let timing = Timing(prefill: prefilled.timeIntervalSince(start), decode: Date().timeIntervalSince(prefilled),
                                newTokens: newTokens)
            if timing.decode < best.decode { best = timing }
        }
        return best
    }

    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    static func report(_ timing: Timing, promptTokens: Int, forwardSeconds: Double) {
        print(String(format: "generate: prompt %d tokens prefilled in %.3f s; %d new tokens (KV cache, greedy) in %.3f s: %.1f tokens/s",
                     promptTokens, timing.prefill, timing.newTokens, timing.decode, timing.tokensPerSecond))
        print(String(format: "  without a cache each new token costs a full forward (%.3f s): %.1f tokens/s; the cache is %.1f× faster",
                     forwardSeconds, 1 / forwardSeconds, timing.tokensPerSecond * forwardSeconds))
    }
}
