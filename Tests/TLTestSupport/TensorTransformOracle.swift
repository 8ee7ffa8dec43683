import ModelConfigs
import TLCore

extension TensorTransform {
    /// A test oracle: the step computed on a whole float32 tensor with TLCore's plain
    /// rearrange, slice and split, independently of `StridedSource`'s windows.
    public func oracle(_ t: FloatTensor, sizes: [String: Int]) throws(TLError) -> FloatTensor {
        switch self {
        case .rearrange(let pattern, let select):
            return try t.rearranged(pattern, sizes: sizes, selecting: select)
        case .transpose:
            return try t.rearranged("a b -> b a")
        case .split(let axis, let parts, let take):
            guard let lengths = TensorTransform.partLengths(parts, sizes) else { throw .unsupported("unknown size in \(parts)") }
            return try t.split(axis: axis, sizes: lengths)[take]
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
}
