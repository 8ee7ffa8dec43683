import Foundation

/// T5's bucketed relative position bias: the distance from a query to a key
/// (`key − query`) falls into one of `buckets` bins — exact for small distances, then
/// logarithmic up to `maxDistance`, beyond which all share the last bin. The encoder tells
/// left from right (half the bins each); the decoder only looks back.
struct RelativePositionBias: Sendable {
    /// `[buckets, heads]`, as `rel_pos_bias.weight` is stored.
    let table: Matrix
    let buckets: Int
    let maxDistance: Int
    let bidirectional: Bool

    /// The bin of `relative` (= key position − query position).
    func bucket(_ relative: Int) -> Int {
        var n = buckets
        var base = 0
        var distance: Int
        if bidirectional {
            n /= 2
            if relative > 0 { base = n }
            distance = abs(relative)
        } else {
            distance = max(-relative, 0)
        }
        let exact = n / 2
        if distance < exact { return base + distance }
        // float32 as transformers computes it, truncated toward zero.
        let ratio = Float(log(Double(maxDistance) / Double(exact)))
        let large = exact + Int(logf(Float(distance) / Float(exact)) / ratio * Float(n - exact))
        return base + min(large, n - 1)
    }

    /// `[heads, queries, keys]` flattened: the bias each head adds to each score, queries at
    /// positions `0..<queries` and keys at `0..<keys`.
    func values(queries: Int, keys: Int) -> [Float] {
        let heads = table.cols
        var out = [Float](repeating: 0, count: heads * queries * keys)
        for q in 0..<queries {
            for k in 0..<keys {
                let row = table.row(bucket(k - q))
                for h in 0..<heads { out[(h * queries + q) * keys + k] = row[h] }
            }
        }
        return out
    }
}
