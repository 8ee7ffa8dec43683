import COpenBLAS
import TLCore

/// Conversion runs processing's BLAS calls on the calling thread. They are small
/// (matrix–vector products per layer), and OpenBLAS's idle workers spin in `sched_yield`
/// after each call — on a two-core machine that is the core the writer thread needs.
enum SingleThreadedBLAS {
    static func run<R>(_ body: () throws(TLError) -> R) throws(TLError) -> R {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
