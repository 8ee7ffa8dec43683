import TLCore
import TLModel

/// Takes canonical tensors out of a `StateDict` by TransformerLens name, checking
/// each shape, so a missing or misshapen weight fails with its name before any compute.
struct WeightReader {
    let weights: StateDict

    func tensor(_ name: String, _ shape: [Int]) throws(TLError) -> FloatTensor {
        guard let tensor = weights[name] else {
            throw .badTensor(name: name, problem: "missing from the model's weights (expected shape \(shape))")
        }
        guard tensor.shape == shape else {
            throw .badTensor(name: name, problem: "has shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }

    /// A required weight as a `[rows, cols]` matrix (the stored row-major layout).
    func matrix(_ name: String, _ shape: [Int], rows: Int, cols: Int) throws(TLError) -> Matrix {
        Matrix(rows: rows, cols: cols, values: try tensor(name, shape).values)
    }

    /// A vector; nil when absent. TransformerLens materialises zero biases, but a
    /// state dict loaded with `strict=False` may omit them, and zero is their meaning then.
    func optionalVector(_ name: String, _ shape: [Int]) throws(TLError) -> Matrix? {
        guard weights[name] != nil else { return nil }
        let values = try tensor(name, shape).values
        if values.allSatisfy({ $0 == 0 }) { return nil }
        return Matrix(rows: 1, cols: values.count, values: values)
    }

    func vector(_ name: String, _ shape: [Int]) throws(TLError) -> Matrix {
        Matrix(rows: 1, cols: shape.reduce(1, *), values: try tensor(name, shape).values)
    }

    /// The first name present among `names` (TransformerLens spells grouped K/V `_W_K`).
    func firstPresent(_ names: [String]) -> String {
        names.first { weights[$0] != nil } ?? names[0]
    }

    /// A norm layer's parameters for `kind` at module path `name`.
    func norm(_ kind: NormKind, name: String, width: Int, eps: Float) throws(TLError) -> Norm {
        let weight = kind.hasWeight ? try vector("\(name).w", [width]) : nil
        let bias = kind.hasBias ? try vector("\(name).b", [width]) : nil
        return Norm(kind: kind, eps: eps, weight: weight, bias: bias, name: name)
    }
}
