import TLCore
import TLModel

/// One step from a checkpoint tensor towards its canonical form. Sizes in patterns
/// are named by `TensorTransform.sizes(for:)`: `n` heads, `g` key/value heads,
/// `h` d_head, `m` d_model, `f` d_mlp, `v` vocabulary, `e` experts, `c` context,
/// `qkv` = 3 (the parts of a fused projection).
public enum TensorTransform: Sendable, Equatable {
    /// An einops rearrangement; names only on the left are fixed by `select`.
    case rearrange(String, select: [String: Int])
    /// A 2-D transpose (`nn.Linear` `[out, in]` → TransformerLens `[in, out]`).
    case transpose
    /// Splits `axis` into consecutive parts (each a product of size names, e.g. `"g h"`)
    /// and keeps part `take`: unequal fused projections (Phi-3's `qkv_proj`, `gate_up_proj`).
    case split(axis: Int, parts: [String], take: Int)
    /// Drops the first `count` rows (OPT's learned positions start at offset 2).
    case dropLeadingRows(Int)
    /// `1 + w`: Gemma's RMSNorm multiplies by one plus its stored weight; TransformerLens stores the sum.
    case addOne
    /// `× √d_model`, in float32: TransformerLens bakes Gemma's embedding scale into `W_E`.
    case scaleBySqrtDModel

    /// `.rearrange(pattern)` with nothing selected.
    public static func rearrange(_ pattern: String) -> TensorTransform { .rearrange(pattern, select: [:]) }

    /// The size names every pattern may use, bound from the canonical config.
    public static func sizes(for c: CanonicalConfig) -> [String: Int] {
        var sizes = ["n": c.nHeads, "g": c.kvHeads, "h": c.dHead, "m": c.dModel, "v": c.dVocab,
                     "c": c.nCtx, "qkv": 3]
        if let f = c.dMLP { sizes["f"] = f }
        if let e = c.numExperts { sizes["e"] = e }
        return sizes
    }

    /// Applies the step.
    public func apply(_ t: FloatTensor, sizes: [String: Int]) throws(TLError) -> FloatTensor {
        switch self {
        case .rearrange(let pattern, let select):
            return try t.rearranged(pattern, sizes: sizes, selecting: select)
        case .transpose:
            return try t.rearranged("a b -> b a")
        case .split(let axis, let parts, let take):
            return try t.split(axis: axis, sizes: try TensorTransform.evaluate(parts, sizes))[take]
        case .dropLeadingRows(let count):
            guard let rows = t.shape.first, rows >= count else {
                throw .badTensor(name: "", problem: "has fewer than \(count) rows to drop")
            }
            return try t.sliced(axis: 0, count..<rows)
        case .addOne:
            return FloatTensor(shape: t.shape, values: t.values.map { $0 + 1 })
        case .scaleBySqrtDModel:
            guard let m = sizes["m"] else { throw .unsupported("d_model is not known") }
            let scale = Float(Double(m).squareRoot())
            return FloatTensor(shape: t.shape, values: t.values.map { $0 * scale })
        }
    }

    /// The input shape this step needs to produce `output` (to check a checkpoint
    /// tensor's shape against the config before reading its data).
    public func inputShape(producing output: [Int], sizes: [String: Int]) throws(TLError) -> [Int] {
        switch self {
        case .rearrange(let pattern, _):
            return try Rearrange.inputShape(pattern, producing: output, sizes: sizes)
        case .transpose:
            guard output.count == 2 else { throw .unsupported("transpose needs a 2-D tensor, got \(output)") }
            return [output[1], output[0]]
        case .split(let axis, let parts, _):
            guard axis < output.count else { throw .unsupported("split axis \(axis) outside \(output)") }
            var shape = output
            shape[axis] = try TensorTransform.evaluate(parts, sizes).reduce(0, +)
            return shape
        case .dropLeadingRows(let count):
            guard !output.isEmpty else { throw .unsupported("dropLeadingRows needs at least 1 axis") }
            var shape = output
            shape[0] += count
            return shape
        case .addOne, .scaleBySqrtDModel:
            return output
        }
    }

    /// Evaluates products of size names such as `"g h"`.
    static func evaluate(_ parts: [String], _ sizes: [String: Int]) throws(TLError) -> [Int] {
        var out = [Int]()
        for part in parts {
            var product = 1
            for name in part.split(separator: " ") {
                guard let size = sizes[String(name)] else { throw .unsupported("size '\(name)' is not known") }
                product *= size
            }
            out.append(product)
        }
        return out
    }
}
