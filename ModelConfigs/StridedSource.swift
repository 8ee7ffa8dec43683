import TLCore

/// What a rule's chain of `TensorTransform`s means: the index transforms (rearrange,
/// transpose, split, dropLeadingRows) folded into one strided window over the source
/// tensor, so the canonical tensor is gathered straight from the mapped file into its output
/// buffer in one pass, widening as it goes: no float32 copy of the source, no intermediate
/// tensor per transform. Element-wise steps (`addOne`, `scaleBySqrtDModel`) are kept, in
/// order, to run on the result (`TensorTransform.applyElementwise`). This is the one
/// interpreter of transforms; `TensorTransform.inputShape` is its inverse on shapes.
public struct StridedSource: Sendable {
    /// One elementary axis: its length and its step in source elements.
    public struct Axis: Equatable, Sendable {
        public var size: Int
        public var stride: Int
    }

    /// Source elements from the tensor's first element to the window's first element.
    public private(set) var offset: Int
    /// Logical axes, each a row-major group of elementary axes.
    public private(set) var axes: [[Axis]]
    /// Element-wise steps still to apply to the gathered values, in order.
    public private(set) var elementwise: [TensorTransform] = []

    /// The window over a whole tensor with its own strides.
    public init(shape: [Int], strides: [Int]) {
        offset = 0
        axes = zip(shape, strides).map { [Axis(size: $0, stride: $1)] }
    }

    /// The same window over a tensor that starts `elements` further on (a slice of the one compiled for).
    public func rebased(by elements: Int) -> StridedSource {
        var copy = self
        copy.offset -= elements
        return copy
    }

    /// The canonical shape the window produces.
    public var shape: [Int] { axes.map { $0.reduce(1) { $0 * $1.size } } }

    /// Applies `transforms` in order; nil when a step cannot be expressed as a window over
    /// these strides (always expressible over a contiguous tensor of a consistent shape).
    public static func compile(shape: [Int], strides: [Int], transforms: [TensorTransform],
                        sizes: [String: Int]) -> StridedSource? {
        var view = StridedSource(shape: shape, strides: strides)
        for transform in transforms {
            guard view.apply(transform, sizes: sizes) else { return nil }
        }
        return view
    }

    /// One logical axis as a single strided axis, when its parts line up.
    private func single(_ axis: Int) -> Axis? {
        let parts = axes[axis].filter { $0.size != 1 }
        guard var merged = parts.last else { return Axis(size: 1, stride: 1) }
        for part in parts.dropLast().reversed() {
            guard part.stride == merged.stride * merged.size else { return nil }
            merged = Axis(size: part.size * merged.size, stride: merged.stride)
        }
        return merged
    }

    private mutating func apply(_ transform: TensorTransform, sizes: [String: Int]) -> Bool {
        switch transform {
        case .addOne, .scaleBySqrtDModel:
            elementwise.append(transform)
            return true
        case .transpose:
            guard axes.count == 2 else { return false }
            axes.swapAt(0, 1)
            return true
        case .dropLeadingRows(let count):
            guard !axes.isEmpty else { return false }
            return narrow(axis: 0, start: count, length: shape[0] - count)
        case .split(let axis, let parts, let take):
            guard let lengths = TensorTransform.partLengths(parts, sizes), take >= 0, take < lengths.count,
                  axis >= 0, axis < axes.count, lengths.reduce(0, +) == shape[axis] else { return false }
            return narrow(axis: axis, start: lengths[..<take].reduce(0, +), length: lengths[take])
        case .rearrange(let pattern, let select):
            return rearrange(pattern, select: select, sizes: sizes)
        }
    }

    private mutating func narrow(axis: Int, start: Int, length: Int) -> Bool {
        guard start >= 0, length >= 0, let whole = single(axis), start + length <= whole.size else { return false }
        offset += start * whole.stride
        axes[axis] = [Axis(size: length, stride: whole.stride)]
        return true
    }

    private mutating func rearrange(_ text: String, select: [String: Int], sizes: [String: Int]) -> Bool {
        guard let pattern = try? RearrangePattern(text), pattern.input.count == axes.count else { return false }
        var known = sizes
        var elementary = [String: Axis]()
        for (index, group) in pattern.input.enumerated() {
            guard let whole = single(index) else { return false }
            // Sizes: one unknown per group may be inferred, as `rearranged` does.
            let unknown = group.filter { known[$0] == nil }
            let product = group.compactMap { known[$0] }.reduce(1, *)
            switch unknown.count {
            case 0: guard product == whole.size else { return false }
            case 1:
                guard product > 0, whole.size % product == 0 else { return false }
                known[unknown[0]] = whole.size / product
            default: return false
            }
            var stride = whole.stride
            for name in group.reversed() {
                guard let size = known[name] else { return false }
                elementary[name] = Axis(size: size, stride: stride)
                stride *= size
            }
        }
        for name in pattern.droppedNames {
            guard let index = select[name], let axis = elementary[name], index >= 0, index < axis.size else { return false }
            offset += index * axis.stride
        }
        for name in select.keys where elementary[name] == nil { return false }
        var output = [[Axis]]()
        for group in pattern.output {
            var parts = [Axis]()
            for name in group {
                if let axis = elementary[name] {
                    parts.append(axis)
                } else if let size = sizes[name] {
                    parts.append(Axis(size: size, stride: 0))  // repeated (einops `repeat`)
                } else {
                    return false
                }
            }
            output.append(parts)
        }
        axes = output
        return true
    }

    /// The elementary axes in output (row-major) order, with length-1 axes dropped and
    /// neighbours that are contiguous in the source as well merged.
    public var loopAxes: [Axis] {
        var out = [Axis]()
        for axis in axes.joined() where axis.size != 1 {
            if let last = out.last, last.stride == axis.stride * axis.size {
                out[out.count - 1] = Axis(size: last.size * axis.size, stride: axis.stride)
            } else {
                out.append(axis)
            }
        }
        return out
    }

    /// The furthest source element the window reaches (from the tensor's first element).
    public var lastElement: Int {
        axes.joined().reduce(offset) { $0 + max($1.size - 1, 0) * $1.stride }
    }
}
