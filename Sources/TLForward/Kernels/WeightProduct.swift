/// Products whose right operand is a `WeightMatrix`: owned float32 goes straight to sgemm
/// as before; mapped float32 too, on the file's own pages; 16-bit blocks are widened a tile
/// at a time into one small buffer, each tile then multiplied by sgemm.
extension BLAS {
    /// Floats in one widened tile (4 MiB): big enough for sgemm to run at speed, small next
    /// to a layer.
    static let tileBudget = 1 << 20

    /// `C = A · op(B) (+ bias rows)`, as `product(_:_:transposeB:bias:into:)`.
    /// - Parameters:
    ///   - columns: only the first `columns` columns of `op(B)` (and of C): shortformer
    ///     positions feed the Q and K columns of a packed QKV weight, not V's.
    ///   - accumulate: add to C instead of overwriting it (no bias then).
    static func product(_ a: Matrix, _ b: WeightMatrix, transposeB: Bool = false, bias: Matrix? = nil,
                        into c: Matrix, columns: Int? = nil, accumulate: Bool = false) {
        let (k, fullWidth) = transposeB ? (b.cols, b.rows) : (b.rows, b.cols)
        let n = columns ?? fullWidth
        precondition(a.cols == k && c.rows == a.rows && n <= fullWidth && n <= c.cols && (columns != nil || c.cols == n),
                     "BLAS.product: shapes disagree")
        precondition(!(accumulate && bias != nil), "BLAS.product: a bias is added once, not accumulated")
        if !accumulate { c.fillRows(with: bias) }
        let beta: Float = accumulate || bias != nil ? 1 : 0
        switch b.storage {
        case .owned(let matrix):
            gemm(m: a.rows, n: n, k: k, a: a.data, lda: a.cols, b: matrix.data, ldb: matrix.cols,
                 transposeB: transposeB, c: c.data, ldc: c.cols, beta: beta)
        case .stored(let blocks, let axis, _):
            // Blocks laid along the output columns can each be one sgemm on the mapped pointer;
            // narrow ones (a head's d_head columns) are gathered into tiles, where sgemm runs faster.
            let alongOutput = blocks.count == 1 || (axis == .columns) != transposeB
            if alongOutput, blocks.allSatisfy({ $0.isDirect && (blocks.count == 1 || ($0.cols >= 256 && $0.rows >= 256)) }) {
                direct(a, blocks, transposeB: transposeB, columns: n, into: c, beta: beta)
                b.releasePages(rows: 0..<b.rows)
            } else {
                tiled(a, b, transposeB: transposeB, columns: n, into: c, beta: beta)
            }
            withExtendedLifetime(blocks) {}
        }
    }

    /// One sgemm per block, reading the mapped float32 in place.
    private static func direct(_ a: Matrix, _ blocks: [WeightMatrix.Block], transposeB: Bool, columns n: Int,
                               into c: Matrix, beta: Float) {
        var offset = 0
        for block in blocks where offset < n {
            let width = min(transposeB ? block.rows : block.cols, n - offset)
            gemm(m: a.rows, n: width, k: a.cols, a: a.data, lda: a.cols,
                 b: block.base.assumingMemoryBound(to: Float.self), ldb: block.cols, transposeB: transposeB,
                 c: c.data + offset, ldc: c.cols, beta: beta)
            offset += width
        }
    }

    /// Walks the stored matrix a band of rows at a time (each band's pages released once read),
    /// widening `band × span` tiles into one buffer and multiplying each with sgemm.
    private static func tiled(_ a: Matrix, _ b: WeightMatrix, transposeB: Bool, columns n: Int,
                              into c: Matrix, beta: Float) {
        // Stored rows are the inner dimension k (B) or the output columns (Bᵀ).
        let storedRows = transposeB ? min(b.rows, n) : b.rows
        let storedCols = transposeB ? b.cols : n
        let band = transposeB ? max(1, min(storedRows, tileBudget / min(storedCols, 4096))) : min(storedRows, 512)
        let span = transposeB ? min(storedCols, 4096) : max(1, min(storedCols, tileBudget / band))
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: band * span)
        defer { tile.deallocate() }
        for r0 in stride(from: 0, to: storedRows, by: band) {
            let r1 = min(r0 + band, storedRows)
            for c0 in stride(from: 0, to: storedCols, by: span) {
                let c1 = min(c0 + span, storedCols)
                b.widen(rows: r0..<r1, cols: c0..<c1, into: tile, ld: c1 - c0)
                if transposeB {
                    // C[:, r0..<r1] (+)= A[:, c0..<c1] · tileᵀ
                    gemm(m: a.rows, n: r1 - r0, k: c1 - c0, a: a.data + c0, lda: a.cols, b: tile, ldb: c1 - c0,
                         transposeB: true, c: c.data + r0, ldc: c.cols, beta: c0 == 0 ? beta : 1)
                } else {
                    // C[:, c0..<c1] (+)= A[:, r0..<r1] · tile
                    gemm(m: a.rows, n: c1 - c0, k: r1 - r0, a: a.data + r0, lda: a.cols, b: tile, ldb: c1 - c0,
                         c: c.data + c0, ldc: c.cols, beta: r0 == 0 ? beta : 1)
                }
            }
            b.releasePages(rows: r0..<r1)
        }
    }
}
