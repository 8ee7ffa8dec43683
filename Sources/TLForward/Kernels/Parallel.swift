import Dispatch
import Foundation

/// Splits row-wise element work (activations) across the cores; OpenBLAS does the same
/// for the products, and between products its threads would otherwise idle.
enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint row ranges covering `0..<rows`, concurrently when the work
    /// (`rows × work per row`) is large enough to pay for the dispatch.
    static func rows(_ rows: Int, workPerRow: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(cores, rows)
        if chunks <= 1 || rows * workPerRow < 1 << 16 {
            body(0..<rows)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            // The chunks write disjoint rows, and concurrentPerform returns only when all are done.
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                work((rows * chunk / chunks)..<(rows * (chunk + 1) / chunks))
            }
        }
    }
}
