import COpenBLAS

/// The few numeric loops the processing steps share. Tensors are seen as
/// `[outer, axis, inner]` row-major blocks, so one routine serves `W_Q`
/// (`[head, d_model, d_head]`, axis = d_model) and `W_in` (`[d_model, d_mlp]`,
/// outer = 1) alike. Means and the fold's sums accumulate in double (in float blocks first);
/// the other contractions go to OpenBLAS.
enum Kernels {
    /// Folds a norm into a reader `[outer, axis, inner]` (axis = the normalised dimension):
    /// `bias[o, i] += Σ_a normBias[a]·x[o, a, i]` (through the unscaled weight),
    /// `x[o, a, i] *= scale[a]`, then, when `centre`, `x[o, a, i] -= mean_a x[o, ·, i]`.
    /// One sweep does all three (see `sweep`), where separate passes would read a 16 MB
    /// `W_in` from memory four times.
    static func fold(_ x: inout [Float], outer: Int, axis: Int, inner: Int, scale: [Float],
                     normBias: [Float], into bias: inout [Float], centre: Bool) {
        precondition(x.count == outer * axis * inner && scale.count == axis)
        precondition(normBias.count == axis && bias.count == outer * inner)
        guard outer > 0, axis > 0, inner > 0 else { return }
        x.withUnsafeMutableBufferPointer { x in
            scale.withUnsafeBufferPointer { s in
                normBias.withUnsafeBufferPointer { v in
                    bias.withUnsafeMutableBufferPointer { out in
                        sweep(x.baseAddress!, outer: outer, axis: axis, inner: inner, scale: s.baseAddress!,
                              through: v.baseAddress!, into: out.baseAddress!, centre: centre)
                    }
                }
            }
        }
    }

    /// `fold` for a norm without a bias (RMSNorm), or a reader without one: scale, then centre.
    static func fold(_ x: inout [Float], outer: Int, axis: Int, inner: Int, scale: [Float], centre: Bool) {
        precondition(x.count == outer * axis * inner && scale.count == axis)
        guard outer > 0, axis > 0, inner > 0 else { return }
        x.withUnsafeMutableBufferPointer { x in
            scale.withUnsafeBufferPointer { s in
                sweep(x.baseAddress!, outer: outer, axis: axis, inner: inner, scale: s.baseAddress!,
                      through: nil, into: nil, centre: centre)
            }
        }
    }

    /// Columns per strip: a strip of `axis` rows stays within 512 KiB (half an L2), so the
    /// centring pass re-reads it from cache. Rows longer than 64 KiB (W_U: one per vocabulary
    /// entry) are swept whole instead: strips of them touch a new page every row, which
    /// measured slower than streaming the matrix twice.
    private static func stripWidth(axis: Int, inner: Int) -> Int {
        guard inner <= 16 * 1024 else { return inner }
        let fit = max(8, (128 * 1024 / max(axis, 1)) / 8 * 8)
        return min(inner, fit)
    }

    /// The fold/centre loop over column strips. Sums run in eight float lanes for up to 256
    /// rows and are then added in double, so they keep double's accuracy at float's speed.
    private static func sweep(_ x: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int,
                              scale: UnsafePointer<Float>?, through v: UnsafePointer<Float>?,
                              into out: UnsafeMutablePointer<Float>?, centre: Bool) {
        if inner == 1 {
            for o in 0..<outer { sweepRow(x + o * axis, count: axis, scale: scale, through: v, into: out.map { $0 + o }, centre: centre) }
            return
        }
        let width = stripWidth(axis: axis, inner: inner)
        let lanes = (width + 7) / 8
        let blockDot = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: lanes)
        let blockSum = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: lanes)
        let dot = UnsafeMutablePointer<Double>.allocate(capacity: width)
        let sum = UnsafeMutablePointer<Double>.allocate(capacity: width)
        let mean = UnsafeMutablePointer<Float>.allocate(capacity: lanes * 8)
        defer { blockDot.deallocate(); blockSum.deallocate(); dot.deallocate(); sum.deallocate(); mean.deallocate() }
        // The columns past the last whole SIMD group of a strip, one row at a time.
        func foldTail(_ row: UnsafeMutablePointer<Float>, from: Int, to: Int, a: Int) {
            for i in from..<to {
                if let v { dot[i] += Double(v[a] * row[i]) }
                row[i] *= scale?[a] ?? 1
                sum[i] += Double(row[i])
            }
        }
        for o in 0..<outer {
            let matrix = x + o * axis * inner
            var start = 0
            while start < inner {
                let w = min(width, inner - start)
                let full = w / 8
                dot.initialize(repeating: 0, count: w)
                sum.initialize(repeating: 0, count: w)
                var a0 = 0
                while a0 < axis {
                    let a1 = min(axis, a0 + 256)
                    blockDot.initialize(repeating: .zero, count: lanes)
                    blockSum.initialize(repeating: .zero, count: lanes)
                    var a = a0
                    // Four rows at a time: the accumulators are read and written once per four.
                    while a + 4 <= a1 {
                        let r0 = UnsafeMutableRawPointer(matrix + a * inner + start)
                        let r1 = r0 + 4 * inner, r2 = r0 + 8 * inner, r3 = r0 + 12 * inner
                        let s0 = SIMD8<Float>(repeating: scale?[a] ?? 1), s1 = SIMD8<Float>(repeating: scale?[a + 1] ?? 1)
                        let s2 = SIMD8<Float>(repeating: scale?[a + 2] ?? 1), s3 = SIMD8<Float>(repeating: scale?[a + 3] ?? 1)
                        if let v {
                            let v0 = SIMD8<Float>(repeating: v[a]), v1 = SIMD8<Float>(repeating: v[a + 1])
                            let v2 = SIMD8<Float>(repeating: v[a + 2]), v3 = SIMD8<Float>(repeating: v[a + 3])
                            for k in 0..<full {
                                let x0 = r0.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                                let x1 = r1.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                                let x2 = r2.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                                let x3 = r3.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                                blockDot[k] += (v0 * x0 + v1 * x1) + (v2 * x2 + v3 * x3)
                                let y0 = x0 * s0, y1 = x1 * s1, y2 = x2 * s2, y3 = x3 * s3
                                r0.storeBytes(of: y0, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r1.storeBytes(of: y1, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r2.storeBytes(of: y2, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r3.storeBytes(of: y3, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                blockSum[k] += (y0 + y1) + (y2 + y3)
                            }
                        } else {
                            for k in 0..<full {
                                let y0 = r0.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self) * s0
                                let y1 = r1.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self) * s1
                                let y2 = r2.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self) * s2
                                let y3 = r3.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self) * s3
                                r0.storeBytes(of: y0, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r1.storeBytes(of: y1, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r2.storeBytes(of: y2, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                r3.storeBytes(of: y3, toByteOffset: k * 32, as: SIMD8<Float>.self)
                                blockSum[k] += (y0 + y1) + (y2 + y3)
                            }
                        }
                        for r in 0..<4 { foldTail(matrix + (a + r) * inner + start, from: full * 8, to: w, a: a + r) }
                        a += 4
                    }
                    while a < a1 {
                        let row = UnsafeMutableRawPointer(matrix + a * inner + start)
                        let factor = SIMD8<Float>(repeating: scale?[a] ?? 1)
                        let weight = SIMD8<Float>(repeating: v?[a] ?? 0)
                        for k in 0..<full {
                            let value = row.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                            if v != nil { blockDot[k] += weight * value }
                            let scaled = value * factor
                            row.storeBytes(of: scaled, toByteOffset: k * 32, as: SIMD8<Float>.self)
                            blockSum[k] += scaled
                        }
                        foldTail(matrix + a * inner + start, from: full * 8, to: w, a: a)
                        a += 1
                    }
                    for k in 0..<full {
                        for j in 0..<8 {
                            dot[k * 8 + j] += Double(blockDot[k][j])
                            sum[k * 8 + j] += Double(blockSum[k][j])
                        }
                    }
                    a0 = a1
                }
                if let out {
                    for i in 0..<w { out[o * inner + start + i] += Float(dot[i]) }
                }
                if centre {
                    for i in 0..<w { mean[i] = Float(sum[i] / Double(axis)) }
                    let means = UnsafeRawPointer(mean)
                    for a in 0..<axis {
                        let row = UnsafeMutableRawPointer(matrix + a * inner + start)
                        for k in 0..<full {
                            let m = means.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                            let value = row.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
                            row.storeBytes(of: value - m, toByteOffset: k * 32, as: SIMD8<Float>.self)
                        }
                        let rowFloats = matrix + a * inner + start
                        for i in (full * 8)..<w { rowFloats[i] -= mean[i] }
                    }
                }
                start += w
            }
        }
    }

    /// `sweep` for one contiguous row (inner = 1): its dot with `v`, scaled, then centred.
    private static func sweepRow(_ row: UnsafeMutablePointer<Float>, count: Int, scale: UnsafePointer<Float>?,
                                 through v: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>?, centre: Bool) {
        if let v, let out {
            var total = 0.0
            for a in 0..<count { total += Double(v[a] * row[a]) }
            out.pointee += Float(total)
        }
        if let scale { for a in 0..<count { row[a] *= scale[a] } }
        guard centre else { return }
        let mean = Float(rowSum(row, count: count) / Double(count))
        for a in 0..<count { row[a] -= mean }
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
            // Columns (W_out of an expert over d_model): the same sweep with nothing to fold.
            sweep(x, outer: outer, axis: axis, inner: inner, scale: nil, through: nil, into: nil, centre: true)
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
