import COpenBLAS

/// The few numeric loops the processing steps share. Tensors are seen as
/// `[outer, axis, inner]` row-major blocks, so one routine serves `W_Q`
/// (`[head, d_model, d_head]`, axis = d_model) and `W_in` (`[d_model, d_mlp]`,
/// outer = 1) alike. Means accumulate in double; contractions and products go to OpenBLAS.
enum Kernels {
    /// `x[o, a, i] *= scale[a]` (folding a norm's weight into the matrices reading it).
    static func scale(_ x: inout [Float], outer: Int, axis: Int, inner: Int, by scale: [Float]) {
        precondition(x.count == outer * axis * inner && scale.count == axis)
        x.withUnsafeMutableBufferPointer { x in
            scale.withUnsafeBufferPointer { s in
                for o in 0..<outer {
                    for a in 0..<axis {
                        let base = (o * axis + a) * inner
                        let factor = s[a]
                        for i in 0..<inner { x[base + i] *= factor }
                    }
                }
            }
        }
    }

    /// `out[o, i] += Σ_a v[a] · x[o, a, i]` (mapping a norm's bias through the matrices reading it).
    static func addContraction(of x: [Float], outer: Int, axis: Int, inner: Int,
                               with v: [Float], into out: inout [Float]) {
        precondition(x.count == outer * axis * inner && v.count == axis && out.count == outer * inner)
        guard outer > 0, axis > 0, inner > 0 else { return }
        x.withUnsafeBufferPointer { x in
            v.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { out in
                    for o in 0..<outer {
                        // y = Aᵀ v with A = x[o] as an axis × inner row-major matrix.
                        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(axis), Int32(inner), 1,
                                    x.baseAddress! + o * axis * inner, Int32(inner),
                                    v.baseAddress!, 1, 1, out.baseAddress! + o * inner, 1)
                    }
                }
            }
        }
    }

    /// `x[o, a, i] -= mean_a x[o, ·, i]`: removes the component along the all-ones vector of `axis`.
    static func centre(_ x: inout [Float], outer: Int, axis: Int, inner: Int) {
        precondition(x.count == outer * axis * inner)
        guard axis > 0, inner > 0, outer > 0 else { return }
        x.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            if inner == 1 {
                // Rows (W_E, W_O, W_U over the vocabulary): a mean per contiguous row.
                for o in 0..<outer {
                    let row = x + o * axis
                    let mean = Float(rowSum(row, count: axis) / Double(axis))
                    for a in 0..<axis { row[a] -= mean }
                }
                return
            }
            // Columns (W_Q over d_model, W_U over d_model): means of strided columns, row by row.
            let sums = UnsafeMutablePointer<Double>.allocate(capacity: inner)
            let means = UnsafeMutablePointer<Float>.allocate(capacity: inner)
            defer { sums.deallocate(); means.deallocate() }
            for o in 0..<outer {
                let block = x + o * axis * inner
                sums.initialize(repeating: 0, count: inner)
                for a in 0..<axis {
                    let row = block + a * inner
                    for i in 0..<inner { sums[i] += Double(row[i]) }
                }
                for i in 0..<inner { means[i] = Float(sums[i] / Double(axis)) }
                for a in 0..<axis {
                    let row = block + a * inner
                    for i in 0..<inner { row[i] -= means[i] }
                }
            }
        }
    }

    /// Σ row[0..<count] in double. Eight float lanes accumulate blocks of 256 values (so
    /// the loop vectorises), and each block's total is added in double: the error stays
    /// far below float32 resolution of the mean while the row is read at memory speed.
    @inline(__always)
    static func rowSum(_ row: UnsafeMutablePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        let raw = UnsafeRawPointer(row)
        while start < count {
            let end = min(count, start + 256)
            var lanes = SIMD8<Float>(repeating: 0)
            var i = start
            while i + 8 <= end {
                lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            var block = Double(lanes.sum())
            while i < end { block += Double(row[i]); i += 1 }
            total += block
            start = end
        }
        return total
    }

    /// Row-major transpose of a rows × cols matrix.
    static func transpose<T: BinaryFloatingPoint>(_ x: [T], rows: Int, cols: Int) -> [T] {
        precondition(x.count == rows * cols)
        var out = [T](repeating: 0, count: x.count)
        for r in 0..<rows {
            for c in 0..<cols { out[c * rows + r] = x[r * cols + c] }
        }
        return out
    }
}
