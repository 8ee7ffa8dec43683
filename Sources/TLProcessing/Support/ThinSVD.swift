import TLCore

/// A thin singular value decomposition `M = U · diag(S) · Vᵀ` of a rows × cols matrix,
/// computed as `torch.svd` does on CPU: LAPACK `gesdd` with jobz "S" on the column-major
/// matrix (the column-major buffer of M is the row-major buffer of Mᵀ).
struct ThinSVD<T: LAPACKScalar> {
    /// min(rows, cols)
    let rank: Int
    /// rows × rank, row-major.
    var u: [T]
    /// rank values, descending.
    var s: [T]
    /// cols × rank, row-major (V, not Vᵀ, as `torch.svd` returns it).
    var v: [T]

    /// - Parameter values: the matrix, row-major.
    init(rows: Int, cols: Int, values: [T], context: String) throws(TLError) {
        precondition(values.count == rows * cols && rows > 0 && cols > 0)
        rank = min(rows, cols)
        var a = Kernels.transpose(values, rows: rows, cols: cols)
        var sValues = [T](repeating: 0, count: rank)
        var uColumnMajor = [T](repeating: 0, count: rows * rank)
        var vtColumnMajor = [T](repeating: 0, count: rank * cols)
        var iwork = [Int32](repeating: 0, count: 8 * rank)
        var m = Int32(rows), n = Int32(cols), lda = Int32(rows), ldu = Int32(rows), ldvt = Int32(rank)
        var info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "S"))

        var query = [T](repeating: 0, count: 1)
        var lwork: Int32 = -1
        T.gesdd(&jobz, &m, &n, &a, &lda, &sValues, &uColumnMajor, &ldu, &vtColumnMajor, &ldvt,
                &query, &lwork, &iwork, &info)
        guard info == 0 else {
            throw .unsupported("\(context): LAPACK gesdd workspace query failed (info \(info))")
        }
        lwork = Int32(Double(query[0]).rounded(.up))
        var work = [T](repeating: 0, count: max(1, Int(lwork)))
        T.gesdd(&jobz, &m, &n, &a, &lda, &sValues, &uColumnMajor, &ldu, &vtColumnMajor, &ldvt,
                &work, &lwork, &iwork, &info)
        guard info == 0 else {
            throw .badTensor(name: context, problem: info > 0
                             ? "singular value decomposition did not converge (are there NaN or infinite values?)"
                             : "LAPACK gesdd rejected argument \(-info)")
        }
        s = sValues
        // Column-major U (rows × rank) read row-major is Uᵀ; column-major Vᵀ (rank × cols)
        // read row-major is V (cols × rank).
        u = Kernels.transpose(uColumnMajor, rows: rank, cols: rows)
        v = vtColumnMajor
    }
}
