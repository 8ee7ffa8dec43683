#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import TLCore

/// Conversion runs processing's BLAS calls on the calling thread. They are small
/// (matrix–vector products per layer), and OpenBLAS's idle workers spin in `sched_yield`
/// after each call — on a two-core machine that is the core the writer thread needs.
enum SingleThreadedBLAS {
    static func run<R>(_ body: () throws(TLError) -> R) throws(TLError) -> R {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        stopIdleWorkers()
        defer { openblas_set_num_threads(previous) }
        return try body()
    }

    /// OpenBLAS starts its worker threads when the library loads, and each spins in
    /// `sched_yield` for about 0.1 s before it sleeps: measured as 6% of a conversion's CPU.
    /// The pthreads build exports `blas_thread_shutdown_`, which ends them (a later threaded
    /// call starts them again); builds without it are left as they are.
    private static func stopIdleWorkers() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        typealias Shutdown = @convention(c) () -> Int32
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
        #endif
    }
}
