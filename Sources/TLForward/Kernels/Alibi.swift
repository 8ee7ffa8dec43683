import Foundation

/// ALiBi head slopes as Bloom (Hugging Face) defines them: a geometric sequence from
/// 2^(-8/n) for the largest power of two n ≤ heads, interleaved extra slopes beyond it.
/// For a power-of-two head count this equals TransformerLens's multipliers.
enum Alibi {
    static func slopes(heads: Int) -> [Float] {
        let closest = 1 << Int(floor(log2(Double(heads))))
        let base = pow(2.0, -8.0 / Double(closest))
        var slopes = (1...closest).map { pow(base, Double($0)) }
        if closest != heads {
            let extraBase = pow(2.0, -4.0 / Double(closest))
            let remaining = min(closest, heads - closest)
            slopes += (0..<remaining).map { pow(extraBase, Double(1 + 2 * $0)) }
        }
        return slopes.map(Float.init)
    }
}
