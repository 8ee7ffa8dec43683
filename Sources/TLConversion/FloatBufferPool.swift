import Foundation

/// Float arrays kept for reuse between groups. Every block has the same tensor shapes, and
/// a tied GPT-2's `W_U` has as many elements as its `W_E`, so after the first group almost
/// every output buffer is an old one refilled: no fresh pages to fault in and zero, no
/// `munmap` per tensor. Arrays are matched by element count; the pool holds at most
/// `capacity` bytes and drops what does not fit. Shared by the mapping and writing threads.
final class FloatBufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Int: [[Float]]] = [:]
    private var bytes = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// An array of `count` floats whose contents are unspecified (the caller overwrites all).
    func take(count: Int) -> [Float] {
        lock.lock()
        if var list = free[count], let values = list.popLast() {
            free[count] = list.isEmpty ? nil : list
            bytes -= 4 * count
            lock.unlock()
            return values
        }
        lock.unlock()
        return [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Returns an array for reuse (dropped when the pool is full).
    func give(_ values: consuming [Float]) {
        let count = values.count
        guard count > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard bytes + 4 * count <= capacity else { return }
        free[count, default: []].append(values)
        bytes += 4 * count
    }
}
