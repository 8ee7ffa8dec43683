/// A dense, owned float32 tensor in row-major order: the working form of every
/// weight once it leaves its file (mapping, processing and the forward pass use it).
public struct FloatTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "FloatTensor: shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public static func zeros(_ shape: [Int]) -> FloatTensor {
        FloatTensor(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var elementCount: Int { values.count }
    public var rank: Int { shape.count }

    /// Encodes into `dtype` bytes in a fresh heap storage, as a contiguous `Tensor`.
    public func encoded(as dtype: DType) -> Tensor {
        let storage = ByteStorage.allocate(count: values.count * dtype.byteSize)
        values.withUnsafeBufferPointer { TensorConversion.narrow($0, to: dtype, into: storage.mutableBase) }
        return Tensor(dtype: dtype, shape: shape, storage: storage)
    }
}
