/// A typed, shaped view over bytes: usually a zero-copy window onto a memory-mapped
/// checkpoint, sometimes a heap buffer. Strides are in elements, row-major by default.
public struct Tensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let strides: [Int]
    public let storage: ByteStorage
    /// Byte offset of element [0, 0, …] inside `storage`.
    public let byteOffset: Int

    /// A contiguous view. The caller guarantees the range lies inside `storage`
    /// (readers validate before they build views).
    public init(dtype: DType, shape: [Int], storage: ByteStorage, byteOffset: Int = 0) {
        self.init(dtype: dtype, shape: shape, strides: Tensor.contiguousStrides(shape),
                  storage: storage, byteOffset: byteOffset)
    }

    public init(dtype: DType, shape: [Int], strides: [Int], storage: ByteStorage, byteOffset: Int) {
        precondition(shape.count == strides.count, "shape and strides disagree in rank")
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storage = storage
        self.byteOffset = byteOffset
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }
    /// Row-major dense; the stride of an axis of length 1 does not matter (torch writes any).
    public var isContiguous: Bool {
        if elementCount <= 1 { return true }
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Bytes from `byteOffset` a strided view reaches (0 for an empty tensor), or nil when the
    /// arithmetic overflows or a stride is negative. Readers check this against their storage.
    public static func byteSpan(shape: [Int], strides: [Int], dtype: DType) -> Int? {
        guard shape.count == strides.count else { return nil }
        var lastElement = 0
        for (length, step) in zip(shape, strides) {
            guard length >= 0, step >= 0 else { return nil }
            if length == 0 { return 0 }
            let (reach, overflow) = (length - 1).multipliedReportingOverflow(by: step)
            guard !overflow else { return nil }
            let (sum, overflow2) = lastElement.addingReportingOverflow(reach)
            guard !overflow2 else { return nil }
            lastElement = sum
        }
        let (elements, overflow) = (lastElement + 1).multipliedReportingOverflow(by: dtype.byteSize)
        return overflow ? nil : elements
    }

    /// The bytes of a contiguous tensor, without copying. Valid only while the storage lives:
    /// when this tensor may be the storage's only owner (an inflated zip member), use
    /// `withContiguousBytes` instead.
    public var contiguousBytes: UnsafeRawBufferPointer? {
        guard isContiguous else { return nil }
        return UnsafeRawBufferPointer(start: storage.base + byteOffset, count: byteCount)
    }

    /// Runs `body` over the bytes of a contiguous tensor with its storage kept alive;
    /// nil (without calling `body`) for a strided view.
    public func withContiguousBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R? {
        guard let bytes = contiguousBytes else { return nil }
        defer { withExtendedLifetime(storage) {} }
        return try body(bytes)
    }

    /// Element offsets (in elements from `byteOffset`) in row-major order, honouring strides.
    private func forEachElementOffset(_ body: (Int) -> Void) {
        let rank = shape.count
        if elementCount == 0 { return }
        if rank == 0 { body(0); return }
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for _ in 0..<elementCount {
            body(offset)
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// The values widened to float32, in row-major order (one copy).
    /// Integer and bool tensors convert too (as their numeric values).
    public func floats() -> [Float] {
        let count = elementCount
        if count == 0 { return [] }
        // Every slot is written, so skip zero-filling a buffer the size of the tensor.
        return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            writeFloats(into: dst)
            initialized = count
        }
    }

    /// Widens the values into a caller's buffer of `elementCount` floats (row-major), so a
    /// converter can reuse one buffer instead of allocating (and page-faulting) per tensor.
    public func writeFloats(into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(destination.count >= elementCount, "writeFloats: buffer of \(destination.count) for \(elementCount) values")
        guard elementCount > 0, let target = destination.baseAddress else { return }
        let base = storage.base + byteOffset
        if isContiguous {
            TensorConversion.widen(base, dtype: dtype, count: elementCount, into: target)
        } else {
            var i = 0
            forEachElementOffset { offset in
                target[i] = TensorConversion.element(base, dtype: dtype, at: offset)
                i += 1
            }
        }
    }

    /// The values as Int64, for integer tensors such as `input_ids`.
    public func integers() -> [Int64] {
        var out = [Int64]()
        out.reserveCapacity(elementCount)
        let base = storage.base + byteOffset
        forEachElementOffset { offset in
            let p = base + offset * dtype.byteSize
            switch dtype {
            case .i64: out.append(p.loadUnaligned(as: Int64.self))
            case .i32: out.append(Int64(p.loadUnaligned(as: Int32.self)))
            case .i16: out.append(Int64(p.loadUnaligned(as: Int16.self)))
            case .i8: out.append(Int64(p.loadUnaligned(as: Int8.self)))
            case .u8, .bool: out.append(Int64(p.loadUnaligned(as: UInt8.self)))
            case .f64:
                out.append(TensorConversion.saturatingInt64(p.loadUnaligned(as: Double.self)))
            case .f32, .f16, .bf16:
                out.append(TensorConversion.saturatingInt64(Double(TensorConversion.element(base, dtype: dtype, at: offset))))
            }
        }
        return out
    }

    /// Dense float32 copy of this tensor.
    public func float32() -> FloatTensor { FloatTensor(shape: shape, values: floats()) }
}
