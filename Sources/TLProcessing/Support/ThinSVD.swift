import COpenBLAS
import TLCore

/// A thin singular value decomposition `M = U · diag(S) · Vᵀ` of a rows × cols matrix,
/// computed as `torch.svd` does on CPU: LAPACK `gesdd` with jobz "S" on the
/// column-major matrix, in float32. Same routine, same input layout, same precision is
/// what keeps the singular vectors' signs as close to TransformerLens's as a different
/// LAPACK build allows (torch wheels use MKL; here it is OpenBLAS's reference LAPACK).
struct ThinSVD {
    let rows: Int
    let cols: Int
    /// min(rows, cols)
    let rank: Int
    /// rows × rank, row-major.
    var u: [Float]
    /// rank values, descending.
    var s: [Float]
    /// cols × rank, row-major (V, not Vᵀ, as `torch.svd` returns it).
    var v: [Float]

    /// - Parameter values: the matrix, row-major.
    init(rows: Int, cols: Int, values: [Float], context: String) throws(TLError) {
        precondition(values.count == rows * cols && rows > 0 && cols > 0)
        self.rows = rows
        self.cols = cols
        rank = min(rows, cols)
        // LAPACK reads column-major: the column-major buffer of M is the row-major buffer of Mᵀ.
        var a = Kernels.transpose(values, rows: rows, cols: cols)
        var sValues = [Float](repeating: 0, count: rank)
        var uColumnMajor = [Float](repeating: 0, count: rows * rank)
        var vtColumnMajor = [Float](repeating: 0, count: rank * cols)
        var iwork = [Int32](repeating: 0, count: 8 * rank)
        var m = Int32(rows), n = Int32(cols), lda = Int32(rows), ldu = Int32(rows), ldvt = Int32(rank)
        var info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "S"))

        var query: Float = 0
        var lwork: Int32 = -1
        sgesdd_(&jobz, &m, &n, &a, &lda, &sValues, &uColumnMajor, &ldu, &vtColumnMajor, &ldvt,
                &query, &lwork, &iwork, &info)
        guard info == 0 else {
            throw .unsupported("\(context): LAPACK sgesdd workspace query failed (info \(info))")
        }
        lwork = Int32(query.rounded(.up))
        var work = [Float](repeating: 0, count: max(1, Int(lwork)))
        sgesdd_(&jobz, &m, &n, &a, &lda, &sValues, &uColumnMajor, &ldu, &vtColumnMajor, &ldvt,
                &work, &lwork, &iwork, &info)
        guard info == 0 else {
            throw .badTensor(name: context, problem: info > 0
                             ? "singular value decomposition did not converge (are there NaN or infinite values?)"
                             : "LAPACK sgesdd rejected argument \(-info)")
        }
        s = sValues
        // Column-major U (rows × rank) read row-major is Uᵀ; column-major Vᵀ (rank × cols)
        // read row-major is V (cols × rank).
        u = Kernels.transpose(uColumnMajor, rows: rank, cols: rows)
        v = vtColumnMajor
    }
}
