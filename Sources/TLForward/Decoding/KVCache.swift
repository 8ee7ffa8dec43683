import TLCore

/// The keys and values one attention layer has computed for past positions of one sequence,
/// after QK norm, clipping and rotary: what a new token's queries attend to without
/// recomputing the prefix. Rows are positions, `[length, n_key_value_heads·d_head]`.
final class LayerKVCache: @unchecked Sendable {
    let width: Int
    private(set) var length = 0
    private var capacity: Int
    private(set) var keys: UnsafeMutablePointer<Float>
    private(set) var values: UnsafeMutablePointer<Float>

    init(width: Int, capacity: Int) {
        self.width = width
        self.capacity = max(capacity, 1)
        keys = .allocate(capacity: self.capacity * width)
        values = .allocate(capacity: self.capacity * width)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Appends `count` rows of keys and values, each read from a row of stride `stride`.
    func append(keys newKeys: UnsafePointer<Float>, values newValues: UnsafePointer<Float>, count: Int, stride: Int) {
        reserve(length + count)
        for r in 0..<count {
            (keys + (length + r) * width).update(from: newKeys + r * stride, count: width)
            (values + (length + r) * width).update(from: newValues + r * stride, count: width)
        }
        length += count
    }

    /// Grows the storage geometrically, so a token-by-token decode copies each row O(1) times.
    private func reserve(_ rows: Int) {
        guard rows > capacity else { return }
        let grown = max(rows, capacity * 2)
        keys = moved(keys, to: grown)
        values = moved(values, to: grown)
        capacity = grown
    }

    private func moved(_ buffer: UnsafeMutablePointer<Float>, to rows: Int) -> UnsafeMutablePointer<Float> {
        let fresh = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
        fresh.update(from: buffer, count: length * width)
        buffer.deallocate()
        return fresh
    }
}

/// Every layer's `LayerKVCache` for one sequence, and how many positions it holds.
public final class KVCache: @unchecked Sendable {
    let layers: [LayerKVCache]
    /// Positions already run (the next token's position).
    public private(set) var length = 0

    init(spec: ForwardSpec, capacity: Int) {
        layers = (0..<spec.layers).map { _ in LayerKVCache(width: spec.kvHeads * spec.dHead, capacity: capacity) }
    }

    func advance(by count: Int) { length += count }
}
