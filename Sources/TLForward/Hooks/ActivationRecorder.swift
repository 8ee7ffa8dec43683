import TLCore
import TLFormats

/// Collects activations during a forward pass under TransformerLens hook names, with
/// the shapes `run_with_cache` gives them (`blocks.0.attn.hook_pattern` is
/// `[batch, head, query_pos, key_pos]`, …). Hooks the filter rejects are never computed
/// into a copy, so an unused recorder costs nothing.
public final class ActivationRecorder {
    public let filter: HookFilter
    /// Recorded hook names in the order the forward pass reached them.
    public private(set) var names: [String] = []
    public private(set) var activations: [String: FloatTensor] = [:]

    public init(filter: HookFilter = .all) {
        self.filter = filter
    }

    public func wants(_ name: String) -> Bool { filter.matches(name) }

    public subscript(name: String) -> FloatTensor? { activations[name] }

    func record(_ name: String, _ value: FloatTensor) {
        if activations.updateValue(value, forKey: name) == nil { names.append(name) }
    }

    /// Writes the recorded activations as one float32 safetensors file (atomically),
    /// tensors in forward order, for other tools to read as they read TransformerLens caches.
    public func write(to path: String, metadata: [String: String] = [:]) throws(TLError) {
        let infos = names.map { TensorInfo(name: $0, dtype: .f32, shape: activations[$0]?.shape ?? []) }
        let writer = try SafeTensorsWriter(path: path, tensors: infos, metadata: metadata)
        do {
            for name in names {
                guard let value = activations[name] else { continue }
                try writer.write(name: name, values: value)
            }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }
}

/// The recorder as one forward pass sees it: knows the `[batch, pos]` of the run and
/// turns internal buffers into TransformerLens-shaped tensors only for wanted hooks.
struct HookSite {
    let recorder: ActivationRecorder?
    let batch: Int
    let positions: Int

    var tokenShape: [Int] { [batch, positions] }
    var isActive: Bool { recorder != nil }

    @inline(__always)
    func wants(_ name: String) -> Bool { recorder?.wants(name) ?? false }

    /// Records a `[batch·pos, n]` (or any exactly-sized) matrix under `shape`.
    func record(_ name: String, _ matrix: Matrix, shape: [Int]) {
        guard let recorder, recorder.wants(name) else { return }
        recorder.record(name, matrix.tensor(shape: shape))
    }

    func record(_ name: String, _ tensor: FloatTensor) {
        guard let recorder, recorder.wants(name) else { return }
        recorder.record(name, tensor)
    }

    /// Records the columns `[offset, offset + heads·dHead)` of a `[batch·pos, ld]` buffer as
    /// `[batch, pos, heads, dHead]` (hook_q/k/v/z/rot_q/rot_k).
    func recordHeads(_ name: String, _ buffer: Matrix, columnOffset: Int, heads: Int, dHead: Int) {
        guard let recorder, recorder.wants(name) else { return }
        let width = heads * dHead
        var values = [Float](repeating: 0, count: buffer.rows * width)
        values.withUnsafeMutableBufferPointer { out in
            for r in 0..<buffer.rows {
                (out.baseAddress! + r * width).update(from: buffer.row(r) + columnOffset, count: width)
            }
        }
        recorder.record(name, FloatTensor(shape: tokenShape + [heads, dHead], values: values))
    }
}
