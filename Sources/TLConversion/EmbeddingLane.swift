import Foundation
import TLCore
import TLModel

/// Converts the embed and unembed groups on a thread of their own while the blocks stream
/// through mapping → processing → `BackgroundWriter`. They hold the largest tensors
/// (GPT-2 medium: W_E and W_U are 206 MB each, a quarter of the output); converted in line
/// they left a core idle while W_E was gathered at the start and while W_U was transposed,
/// processed and written at the end. `work` maps, processes and writes one group (at its
/// offsets in the file, through the writer thread) before the next is mapped, so the
/// unembed reuses the embed's arrays.
final class EmbeddingLane: @unchecked Sendable {
    private let condition = NSCondition()
    private var failure: TLError?
    private var cancelled = false
    private var running = true

    init(groups: [WeightGroup], work: @escaping @Sendable (WeightGroup) throws(TLError) -> Void) {
        let thread = Thread { [self] in
            for group in groups {
                condition.lock()
                let stop = cancelled
                condition.unlock()
                if stop { break }
                do throws(TLError) {
                    try work(group)
                } catch {
                    condition.lock()
                    failure = error
                    condition.unlock()
                    break
                }
            }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tlconvert-embeddings"
        thread.start()
    }

    /// Rethrows the lane's error, if it has failed already (the blocks need not go on).
    func check() throws(TLError) {
        condition.lock()
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    /// Waits for the lane to finish its groups; rethrows its error.
    func wait() throws(TLError) {
        condition.lock()
        while running { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    /// Stops the lane after the group it is converting and waits for it to end.
    func cancel() {
        condition.lock()
        cancelled = true
        while running { condition.wait() }
        condition.unlock()
    }
}
