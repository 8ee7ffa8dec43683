import TLCore
import TLModel

/// Takes canonical tensors out of a model by TransformerLens name, checking each shape, so
/// a missing or misshapen weight fails with its name before any compute. Matrices come out
/// as `WeightMatrix`: views of the mapped file when the tensor is `stored`, packed float32
/// when it is an array; vectors (norms, biases) are always widened, being small.
struct WeightReader {
    /// Float32 arrays (an in-memory model). Ask `contains` whether a tensor exists: a mapped
    /// model keeps its tensors in `stored`, not here.
    let arrays: StateDict
    /// Tensors left in their file (contiguous, float32/float16/bfloat16).
    var stored: [String: Tensor] = [:]
    /// Whether products drop the pages of the stored matrices they have read.
    var releasesPages = false

    func contains(_ name: String) -> Bool { arrays[name] != nil || stored[name] != nil }

    private func checkedShape(_ name: String, _ shape: [Int]) throws(TLError) -> [Int] {
        guard let actual = arrays[name]?.shape ?? stored[name]?.shape else {
            throw .badTensor(name: name, problem: "missing from the model's weights (expected shape \(shape))")
        }
        guard actual == shape else {
            throw .badTensor(name: name, problem: "has shape \(actual), expected \(shape)")
        }
        return actual
    }

    /// A tensor widened to float32.
    func tensor(_ name: String, _ shape: [Int]) throws(TLError) -> FloatTensor {
        _ = try checkedShape(name, shape)
        if let tensor = arrays[name] { return tensor }
        // checkedShape found it in one of the two.
        return FloatTensor(shape: shape, values: stored[name].map { $0.floats() } ?? [])
    }

    /// A required weight as a `[rows, cols]` matrix (the stored row-major layout).
    func matrix(_ name: String, _ shape: [Int], rows: Int, cols: Int) throws(TLError) -> WeightMatrix {
        try sideBySide([(name, shape)], rows: rows, heads: false)
    }

    /// A required weight widened into a float32 `Matrix` the caller owns: for the encoder (BERT) and
    /// encoder-decoder (T5) forward passes, which hold their weights in memory rather than mapped.
    func widenedMatrix(_ name: String, _ shape: [Int], rows: Int, cols: Int) throws(TLError) -> Matrix {
        Matrix(rows: rows, cols: cols, values: try tensor(name, shape).values)
    }

    /// Weights side by side as one `[rows, Σ cols]` matrix: a `[n, rows, c]` tensor gives n
    /// blocks of c columns (heads of `W_Q`: `[n, d_model, d_head]` → columns `n·d_head + j`),
    /// any other (or any, with `heads` false) its elements as `[rows, count / rows]`.
    func sideBySide(_ parts: [(name: String, shape: [Int])], rows: Int, heads: Bool = true) throws(TLError) -> WeightMatrix {
        for part in parts { _ = try checkedShape(part.name, part.shape) }
        let split = parts.map { part -> (count: Int, cols: Int) in
            let s = part.shape
            return heads && s.count == 3 && s[1] == rows ? (s[0], s[2]) : (1, s.reduce(1, *) / max(rows, 1))
        }
        if let tensors = storedTensors(parts.map(\.name)) {
            var blocks = [WeightMatrix.Block]()
            for (tensor, (count, cols)) in zip(tensors, split) {
                for i in 0..<count {
                    blocks.append(block(tensor, from: i * rows * cols, rows: rows, cols: cols))
                }
            }
            return WeightMatrix(blocks: blocks, along: .columns, releasesPages: releasesPages)
        }
        let width = split.reduce(0) { $0 + $1.count * $1.cols }
        let packed = Matrix(rows: rows, cols: width)
        var offset = 0
        for (part, (count, cols)) in zip(parts, split) {
            let values = try tensor(part.name, part.shape).values
            values.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for n in 0..<count {
                    for i in 0..<rows {
                        (packed.row(i) + offset + n * cols).update(from: base + (n * rows + i) * cols, count: cols)
                    }
                }
            }
            offset += count * cols
        }
        return WeightMatrix(owned: packed)
    }

    /// `[r_i, cols]` weights stacked into one `[Σ r_i, cols]` matrix (an expert's gate and in rows).
    func stacked(_ parts: [(name: String, shape: [Int])], cols: Int) throws(TLError) -> WeightMatrix {
        for part in parts { _ = try checkedShape(part.name, part.shape) }
        let rows = parts.map { $0.shape.reduce(1, *) / max(cols, 1) }
        if let tensors = storedTensors(parts.map(\.name)) {
            let blocks = zip(tensors, rows).map { block($0, from: 0, rows: $1, cols: cols) }
            return WeightMatrix(blocks: blocks, along: .rows, releasesPages: releasesPages)
        }
        var values = [Float]()
        for part in parts { values += try tensor(part.name, part.shape).values }
        return WeightMatrix(owned: Matrix(rows: rows.reduce(0, +), cols: cols, values: values))
    }

    /// The stored views of `names` when every one of them is stored (else they are packed).
    private func storedTensors(_ names: [String]) -> [Tensor]? {
        let tensors = names.compactMap { arrays[$0] == nil ? stored[$0] : nil }
        return tensors.count == names.count ? tensors : nil
    }

    private func block(_ tensor: Tensor, from element: Int, rows: Int, cols: Int) -> WeightMatrix.Block {
        WeightMatrix.Block(storage: tensor.storage, byteOffset: tensor.byteOffset + element * tensor.dtype.byteSize,
                           dtype: tensor.dtype, rows: rows, cols: cols)
    }

    /// A vector; nil when absent. TransformerLens materialises zero biases, but a
    /// state dict loaded with `strict=False` may omit them, and zero is their meaning then.
    func optionalVector(_ name: String, _ shape: [Int]) throws(TLError) -> Matrix? {
        guard contains(name) else { return nil }
        let values = try tensor(name, shape).values
        if values.allSatisfy({ $0 == 0 }) { return nil }
        return Matrix(rows: 1, cols: values.count, values: values)
    }

    func vector(_ name: String, _ shape: [Int]) throws(TLError) -> Matrix {
        Matrix(rows: 1, cols: shape.reduce(1, *), values: try tensor(name, shape).values)
    }

    /// The first name present among `names` (TransformerLens spells grouped K/V `_W_K`).
    func firstPresent(_ names: [String]) -> String {
        names.first { contains($0) } ?? names[0]
    }

    /// A norm layer's parameters for `kind` at module path `name`.
    func norm(_ kind: NormKind, name: String, width: Int, eps: Float) throws(TLError) -> Norm {
        let weight = kind.hasWeight ? try vector("\(name).w", [width]) : nil
        let bias = kind.hasBias ? try vector("\(name).b", [width]) : nil
        return Norm(kind: kind, eps: eps, weight: weight, bias: bias, name: name)
    }
}
