import Foundation
import TLCore
import TLModel

/// Maps groups on a thread of its own, one group ahead of the consumer: while the
/// caller processes group l (and the writer writes group l-1), group l+1 is gathered
/// from the mapped file. With the writer that makes a three-stage pipeline whose
/// stages the scheduler spreads over both cores. At most one mapped group waits.
final class MappingAhead: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Result<StateDict, TLError>] = []
    private var cancelled = false
    private var running = true

    init(groups: [WeightGroup], mapper: WeightMapper, pool: FloatBufferPool) {
        let thread = Thread { [self] in
            for group in groups {
                let result = Result { () throws(TLError) in try mapper.map(group, pool: pool) }
                condition.lock()
                while !ready.isEmpty && !cancelled { condition.wait() }
                if cancelled {
                    condition.unlock()
                    break
                }
                ready.append(result)
                condition.broadcast()
                condition.unlock()
                if case .failure = result { break }
            }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tlconvert-mapper"
        thread.start()
    }

    /// The next group's canonical tensors, in the order the groups were given.
    func next() throws(TLError) -> StateDict {
        condition.lock()
        while ready.isEmpty && running { condition.wait() }
        guard !ready.isEmpty else {
            condition.unlock()
            throw .output(path: "", problem: "internal error: the mapping thread stopped early")
        }
        let result = ready.removeFirst()
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    /// Stops the thread (after the group it is mapping) and waits for it to end.
    func stop() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}
