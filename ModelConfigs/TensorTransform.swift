import TLCore
import TLModel

/// One step from a checkpoint tensor towards its canonical form. Sizes in patterns
/// are named by `TensorTransform.sizes(for:)`: `n` heads, `g` key/value heads,
/// `h` d_head, `m` d_model, `f` d_mlp, `v` vocabulary, `e` experts, `c` context,
/// `qkv` = 3 (the parts of a fused projection), `two` = 2 (interleaved pairs: GPT-OSS's gate/up columns),
/// `one` = 1 (a leading unit axis, minGPT's `pos_emb`). In a per-expert rule, an `e` the pattern
/// drops is that rule's expert (experts stored stacked in one tensor).
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
                     "c": c.nCtx, "qkv": 3, "two": 2, "one": 1]
        if let f = c.dMLP { sizes["f"] = f }
        if let e = c.numExperts { sizes["e"] = e }
        return sizes
    }

    /// This step for expert `expert`: a rearrangement that drops `e` selects that expert.
    public func selectingExpert(_ expert: Int) -> TensorTransform {
        guard case .rearrange(let pattern, var select) = self, select["e"] == nil,
              let parsed = try? RearrangePattern(pattern), parsed.droppedNames.contains("e") else { return self }
        select["e"] = expert
        return .rearrange(pattern, select: select)
    }

    /// An element-wise step applied in place (float32 arithmetic, as TransformerLens computes it).
    public func applyElementwise(to values: UnsafeMutableBufferPointer<Float>, sizes: [String: Int]) throws(TLError) {
        switch self {
        case .addOne:
            for i in values.indices { values[i] = values[i] + 1 }
        case .scaleBySqrtDModel:
            guard let m = sizes["m"] else { throw .unsupported("d_model is not known") }
            let scale = Float(Double(m).squareRoot())
            for i in values.indices { values[i] = values[i] * scale }
        case .rearrange, .transpose, .split, .dropLeadingRows:
            throw .unsupported("\(self) moves elements; it is not element-wise")
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
            guard let lengths = TensorTransform.partLengths(parts, sizes) else {
                throw .unsupported("split parts \(parts) name an unknown size")
            }
            shape[axis] = lengths.reduce(0, +)
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

    /// The lengths of a split's parts, each a product of size names such as `"g h"`
    /// (nil when a name is unknown).
    public static func partLengths(_ parts: [String], _ sizes: [String: Int]) -> [Int]? {
        var out = [Int]()
        for part in parts {
            var product = 1
            for name in part.split(separator: " ") {
                guard let size = sizes[String(name)] else { return nil }
                product *= size
            }
            out.append(product)
        }
        return out
    }
}
