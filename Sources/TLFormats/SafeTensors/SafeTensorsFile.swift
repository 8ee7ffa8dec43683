import TLCore

/// A memory-mapped safetensors file, validated completely on open: every tensor
/// view it hands out lies inside the file and matches its declared dtype and shape.
public struct SafeTensorsFile: TensorSource {
    /// The format's own bound on the JSON header.
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public var format: String { "safetensors" }
    /// Sorted by name, as Python's `safe_open(...).keys()` lists them.
    public let tensorInfos: [TensorInfo]
    /// The same tensors in file (data offset) order, for sequential reads.
    public let storageOrder: [TensorInfo]
    public let metadata: [String: String]
    /// Metadata keys in file order (for listings).
    public let metadataOrder: [String]
    private let storage: ByteStorage
    private let dataStart: Int
    private let index: [String: (info: TensorInfo, begin: Int)]

    public init(path: String) throws(TLError) {
        let storage = try ByteStorage.map(path: path)
        try self.init(storage: storage, path: path)
    }

    public init(storage: ByteStorage, path: String) throws(TLError) {
        let header = try SafeTensorsHeader.parse(storage.bytes, path: path)
        self.path = path
        self.storage = storage
        self.dataStart = header.dataStart
        self.storageOrder = header.entries.map(\.info)
        self.tensorInfos = storageOrder.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        self.metadata = Dictionary(header.metadata, uniquingKeysWith: { _, last in last })
        self.metadataOrder = header.metadata.map(\.0)
        var index = [String: (info: TensorInfo, begin: Int)]()
        for entry in header.entries { index[entry.info.name] = (entry.info, entry.begin) }
        self.index = index
    }

    public func tensor(named name: String) throws(TLError) -> Tensor {
        guard let entry = index[name] else {
            throw .badTensor(name: name, problem: "not found in \(path)")
        }
        return Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: storage,
                      byteOffset: dataStart + entry.begin)
    }

    /// Byte range of a tensor inside the file (to release its pages once used).
    public func fileRange(of name: String) -> Range<Int>? {
        guard let entry = index[name] else { return nil }
        let start = dataStart + entry.begin
        return start..<(start + entry.info.byteCount)
    }

    /// Drops the pages of one tensor from the resident set (see `ByteStorage.releasePages`).
    public func releasePages(of name: String) {
        guard let range = fileRange(of: name) else { return }
        storage.releasePages(offset: range.lowerBound, count: range.count)
    }
}
