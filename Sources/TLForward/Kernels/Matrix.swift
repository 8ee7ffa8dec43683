import TLCore

/// A row-major float32 matrix the forward pass owns: packed weights and activation
/// buffers. A class over a raw allocation so BLAS calls take plain pointers.
final class Matrix: @unchecked Sendable {
    let rows: Int
    let cols: Int
    let data: UnsafeMutablePointer<Float>

    /// A zeroed matrix.
    convenience init(rows: Int, cols: Int) {
        self.init(uninitializedRows: rows, cols: cols)
        data.initialize(repeating: 0, count: max(rows * cols, 1))
    }

    /// A matrix whose every element the caller writes before reading (product outputs):
    /// skipping the zero fill saves a pass over large activations such as the logits.
    init(uninitializedRows rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        data = .allocate(capacity: max(rows * cols, 1))
    }

    /// A copy of `values` (row-major, `rows * cols` of them).
    convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "Matrix: \(values.count) values for \(rows)×\(cols)")
        self.init(uninitializedRows: rows, cols: cols)
        values.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            data.initialize(from: base, count: values.count)
        }
    }

    deinit { data.deallocate() }

    var count: Int { rows * cols }

    /// Row `r` as a pointer.
    @inline(__always) func row(_ r: Int) -> UnsafeMutablePointer<Float> { data + r * cols }

    /// Every row set to `vector` (a bias broadcast before a `beta = 1` product).
    func fillRows(with vector: Matrix?) {
        guard let vector else {
            data.update(repeating: 0, count: count)
            return
        }
        for r in 0..<rows { row(r).update(from: vector.data, count: cols) }
    }

    /// The values as a `FloatTensor` of `shape` (same element count).
    func tensor(shape: [Int]) -> FloatTensor {
        FloatTensor(shape: shape, values: Array(UnsafeBufferPointer(start: data, count: count)))
    }
}
