import COpenBLAS

/// float32 or float64 for the refactor's SVD arithmetic: the LAPACK/BLAS routines per precision.
protocol LAPACKScalar: BinaryFloatingPoint, Sendable {
    static func gesdd(_ jobz: UnsafeMutablePointer<CChar>, _ m: UnsafeMutablePointer<Int32>, _ n: UnsafeMutablePointer<Int32>,
                      _ a: UnsafeMutablePointer<Self>, _ lda: UnsafeMutablePointer<Int32>, _ s: UnsafeMutablePointer<Self>,
                      _ u: UnsafeMutablePointer<Self>, _ ldu: UnsafeMutablePointer<Int32>, _ vt: UnsafeMutablePointer<Self>,
                      _ ldvt: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Self>, _ lwork: UnsafeMutablePointer<Int32>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: UnsafeMutablePointer<Int32>)
    /// Row-major `C = A·B` (m × k times k × n).
    static func gemm(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                     _ c: UnsafeMutablePointer<Self>)
}

extension Float: LAPACKScalar {
    static func gesdd(_ jobz: UnsafeMutablePointer<CChar>, _ m: UnsafeMutablePointer<Int32>, _ n: UnsafeMutablePointer<Int32>,
                      _ a: UnsafeMutablePointer<Float>, _ lda: UnsafeMutablePointer<Int32>, _ s: UnsafeMutablePointer<Float>,
                      _ u: UnsafeMutablePointer<Float>, _ ldu: UnsafeMutablePointer<Int32>, _ vt: UnsafeMutablePointer<Float>,
                      _ ldvt: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Float>, _ lwork: UnsafeMutablePointer<Int32>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: UnsafeMutablePointer<Int32>) {
        sgesdd_(jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork, info)
    }

    static func gemm(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     _ c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
    }
}

extension Double: LAPACKScalar {
    static func gesdd(_ jobz: UnsafeMutablePointer<CChar>, _ m: UnsafeMutablePointer<Int32>, _ n: UnsafeMutablePointer<Int32>,
                      _ a: UnsafeMutablePointer<Double>, _ lda: UnsafeMutablePointer<Int32>, _ s: UnsafeMutablePointer<Double>,
                      _ u: UnsafeMutablePointer<Double>, _ ldu: UnsafeMutablePointer<Int32>, _ vt: UnsafeMutablePointer<Double>,
                      _ ldvt: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Double>, _ lwork: UnsafeMutablePointer<Int32>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: UnsafeMutablePointer<Int32>) {
        dgesdd_(jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork, info)
    }

    static func gemm(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                     _ c: UnsafeMutablePointer<Double>) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
    }
}

extension Kernels {
    /// Row-major `C[m, n] = A[m, k] · B[k, n]` in either precision.
    static func product<T: LAPACKScalar>(_ a: [T], _ b: [T], m: Int, k: Int, n: Int) -> [T] {
        precondition(a.count == m * k && b.count == k * n)
        var c = [T](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    T.gemm(Int32(m), Int32(n), Int32(k), a.baseAddress!, b.baseAddress!, c.baseAddress!)
                }
            }
        }
        return c
    }
}
