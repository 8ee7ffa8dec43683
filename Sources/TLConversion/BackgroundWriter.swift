import Foundation
import TLCore
import TLFormats

/// Writes tensors on a thread of its own, so the second core copies group l into the
/// page cache while the first maps and processes group l+1. At most `limit` bytes of
/// tensors wait in the queue (the producer blocks beyond that), which bounds memory.
/// The embedding lane's tensors go through the same thread (two threads writing one file
/// contend for its inode lock: 6% of the CPU went to spinning on it), outside the limit.
/// Written float arrays go back to the pool. The first error stops the writer; the
/// producers see it on their next call or at `stop`.
final class BackgroundWriter: @unchecked Sendable {
    private let encoder: TensorEncoder
    private let pool: FloatBufferPool
    private let limit: Int
    private let condition = NSCondition()
    private var queue: [(info: TensorInfo, tensor: FloatTensor, bounded: Bool)] = []
    /// Bytes queued or being written, within the limit and outside it.
    private var pending = 0
    private var pendingOutside = 0
    private var closed = false
    private var failure: TLError?
    private var running = true

    init(writer: SafeTensorsWriter, pool: FloatBufferPool, limit: Int) {
        self.encoder = TensorEncoder(writer: writer)
        self.pool = pool
        self.limit = limit
        let thread = Thread { [self] in self.drain() }
        thread.name = "tlconvert-writer"
        thread.start()
    }

    /// Queues one tensor (already checked against `info`), waiting while the queue is full.
    func enqueue(_ tensor: FloatTensor, as info: TensorInfo) throws(TLError) {
        condition.lock()
        defer { condition.unlock() }
        let size = 4 * tensor.elementCount
        while failure == nil && pending > 0 && pending + size > limit { condition.wait() }
        if let failure { throw failure }
        queue.append((info, tensor, true))
        pending += size
        condition.broadcast()
    }

    /// Queues one tensor without waiting for room: the caller bounds its memory itself,
    /// with `waitForOutside()` before it produces more.
    func enqueueOutsideLimit(_ tensor: FloatTensor, as info: TensorInfo) throws(TLError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queue.append((info, tensor, false))
        pendingOutside += 4 * tensor.elementCount
        condition.broadcast()
    }

    /// Waits until every tensor queued outside the limit is written.
    func waitForOutside() throws(TLError) {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && pendingOutside > 0 { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the thread after the queue drains (or at once after an error); rethrows its error.
    func stop() throws(TLError) {
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty || failure != nil {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let (info, tensor, bounded) = queue.removeFirst()
            condition.unlock()
            var error: TLError?
            do { try encoder.write(tensor, as: info) } catch let e { error = e }
            pool.give(tensor.values)
            condition.lock()
            if bounded { pending -= 4 * tensor.elementCount } else { pendingOutside -= 4 * tensor.elementCount }
            if let error, failure == nil {
                failure = error
                queue.removeAll()
                pending = 0
                pendingOutside = 0
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
