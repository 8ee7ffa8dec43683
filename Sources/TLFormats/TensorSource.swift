import TLCore

/// Name, dtype and shape of one stored tensor: what `inspect` lists and what
/// conversion plans against before touching any data.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }
}

/// Any container of named tensors: a safetensors file, a sharded checkpoint,
/// a `torch.save` zip, an `.npy`/`.npz`. Tensors are handed out as views, not copies,
/// wherever the container allows it (mapped files; deflated entries are inflated once).
public protocol TensorSource: Sendable {
    /// The file (or index file) the tensors come from, for error messages.
    var path: String { get }
    /// A short name of the container kind: `safetensors`, `safetensors-index`,
    /// `torch`, `torch-index`, `npy`, `npz`.
    var format: String { get }
    /// Every tensor, in the order the reference library lists them: safetensors by name
    /// (`safe_open().keys()`), torch in state-dict order, npz in archive order, a sharded
    /// checkpoint shard by shard in shard-name order.
    var tensorInfos: [TensorInfo] { get }
    /// String metadata the container carries (safetensors `__metadata__`), else empty.
    var metadata: [String: String] { get }
    /// The tensor called `name`; throws `.badTensor` when there is none.
    func tensor(named name: String) throws(TLError) -> Tensor
    /// Lets the kernel drop the mapped pages behind one tensor once a converter has
    /// used it (the view stays valid: pages are re-read on access). No-op where the
    /// data is not a file mapping.
    func releasePages(of name: String)
}

extension TensorSource {
    public var tensorNames: [String] { tensorInfos.map(\.name) }

    public func info(named name: String) -> TensorInfo? {
        tensorInfos.first { $0.name == name }
    }

    public func contains(_ name: String) -> Bool { info(named: name) != nil }

    public func releasePages(of name: String) {}
}
