import COpenBLAS

/// The one door to OpenBLAS: every matrix product of the forward pass goes through it.
enum BLAS {
    /// `C[m×n] = alpha · A[m×k] · op(B) + beta · C`, all row-major with explicit
    /// leading dimensions so heads can be addressed inside wider buffers.
    /// - Parameter transposeB: B is stored `[n×k]` (a `nn.Linear` weight) instead of `[k×n]`.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     c: UnsafeMutablePointer<Float>, ldc: Int,
                     alpha: Float = 1, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// `C = A · B (+ bias rows)` for whole matrices: `A [m×k]`, `B [k×n]` (or `[n×k]` transposed).
    static func product(_ a: Matrix, _ b: Matrix, transposeB: Bool = false, bias: Matrix? = nil,
                        into c: Matrix) {
        let n = transposeB ? b.rows : b.cols
        let k = a.cols
        precondition(c.rows == a.rows && c.cols == n && (transposeB ? b.cols : b.rows) == k,
                     "BLAS.product: shapes disagree")
        c.fillRows(with: bias)
        gemm(m: a.rows, n: n, k: k, a: a.data, lda: a.cols, b: b.data, ldb: b.cols,
             transposeB: transposeB, c: c.data, ldc: c.cols, beta: bias == nil ? 0 : 1)
    }
}
