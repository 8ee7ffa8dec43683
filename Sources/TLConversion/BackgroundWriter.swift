import Foundation
import TLCore
import TLFormats

/// Writes tensors on a thread of its own, so the second core copies group l into the
/// page cache while the first maps and processes group l+1. At most `limit` bytes of
/// tensors wait in the queue (the producer blocks beyond that), which bounds memory.
/// Written float arrays go back to the pool. The first error stops the writer; the
/// producer sees it on its next `enqueue` or at `finish`.
final class BackgroundWriter: @unchecked Sendable {
    private let writer: SafeTensorsWriter
    private let pool: FloatBufferPool
    private let limit: Int
    private let condition = NSCondition()
    private var queue: [(info: TensorInfo, tensor: FloatTensor)] = []
    private var pending = 0
    private var closed = false
    private var failure: TLError?
    private var running = true
    /// Reused encoding buffer for 16-bit outputs.
    private var encoded: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)

    init(writer: SafeTensorsWriter, pool: FloatBufferPool, limit: Int) {
        self.writer = writer
        self.pool = pool
        self.limit = limit
        let thread = Thread { [self] in self.drain() }
        thread.name = "tlconvert-writer"
        thread.start()
    }

    deinit { encoded.deallocate() }

    /// Queues one tensor (already checked against `info`), waiting while the queue is full.
    func enqueue(_ tensor: FloatTensor, as info: TensorInfo) throws(TLError) {
        condition.lock()
        defer { condition.unlock() }
        let size = 4 * tensor.elementCount
        while failure == nil && pending > 0 && pending + size > limit { condition.wait() }
        if let failure { throw failure }
        queue.append((info, tensor))
        pending += size
        condition.broadcast()
    }

    /// Waits for every queued tensor to be written, then completes the file.
    func finish() throws(TLError) {
        try stop()
        try writer.finish()
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
            let (info, tensor) = queue.removeFirst()
            condition.unlock()
            var error: TLError?
            do { try write(tensor, as: info) } catch let e { error = e }
            pool.give(tensor.values)
            condition.lock()
            pending -= 4 * tensor.elementCount
            if let error, failure == nil {
                failure = error
                queue.removeAll()
                pending = 0
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// float32 goes out straight from the array; 16-bit types are encoded into one reused buffer.
    private func write(_ tensor: FloatTensor, as info: TensorInfo) throws(TLError) {
        if info.dtype == .f32 || info.byteCount == 0 {
            return try tensor.values.withUnsafeBytes { bytes in
                Result { () throws(TLError) in try writer.write(name: info.name, bytes: bytes) }
            }.get()
        }
        if encoded.count < info.byteCount {
            encoded.deallocate()
            encoded = .allocate(byteCount: info.byteCount, alignment: 16)
        }
        let target = encoded
        tensor.values.withUnsafeBufferPointer { TensorConversion.narrow($0, to: info.dtype, into: target.baseAddress!) }
        try writer.write(name: info.name, bytes: UnsafeRawBufferPointer(rebasing: target[0..<info.byteCount]))
    }
}
