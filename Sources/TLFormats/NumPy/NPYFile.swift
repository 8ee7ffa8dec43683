import TLCore

/// A mapped `.npy` file: one array, named after the file (`w.npy` → `w`).
public struct NPYFile: TensorSource {
    public let path: String
    public var format: String { "npy" }
    public let tensorInfos: [TensorInfo]
    public var metadata: [String: String] { [:] }
    public let header: NPYHeader
    private let storage: ByteStorage

    public init(path: String) throws(TLError) {
        try self.init(storage: try ByteStorage.map(path: path), path: path)
    }

    public init(storage: ByteStorage, path: String) throws(TLError) {
        let header = try NPYHeader.parse(storage.bytes, path: path)
        try NPYFile.checkDataSize(header, available: storage.count - header.dataOffset, path: path)
        self.path = path
        self.header = header
        self.storage = storage
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let name = file.hasSuffix(".npy") ? String(file.dropLast(4)) : file
        self.tensorInfos = [TensorInfo(name: name, dtype: header.dtype, shape: header.shape)]
    }

    static func checkDataSize(_ header: NPYHeader, available: Int, path: String) throws(TLError) {
        guard available == header.byteCount else {
            let problem = available < header.byteCount ? "truncated: " : ""
            throw .badFile(path: path, problem: "\(problem)shape \(header.shape) of \(header.dtype.rawValue) needs \(header.byteCount) data bytes, the .npy holds \(available)")
        }
    }

    public func tensor(named name: String) throws(TLError) -> Tensor {
        guard name == tensorInfos[0].name else { throw .badTensor(name: name, problem: "not found in \(path)") }
        return Tensor(dtype: header.dtype, shape: header.shape, strides: header.strides,
                      storage: storage, byteOffset: header.dataOffset)
    }

    public func releasePages(of name: String) {
        storage.releasePages(offset: header.dataOffset, count: header.byteCount)
    }
}
