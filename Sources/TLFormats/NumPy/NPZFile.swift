import TLCore

/// A NumPy `.npz`: a zip of `.npy` members (`np.savez` stores them, `np.savez_compressed`
/// deflates them). Stored members are viewed in place; deflated ones are inflated when
/// their tensor is asked for (headers are read by inflating just their first bytes).
public struct NPZFile: TensorSource {
    public let path: String
    public var format: String { "npz" }
    public let tensorInfos: [TensorInfo]
    public var metadata: [String: String] { [:] }
    private let archive: ZipArchive
    private let members: [String: (entry: ZipEntry, header: NPYHeader)]

    public init(path: String) throws(TLError) {
        try self.init(archive: try ZipArchive(path: path))
    }

    public init(archive: ZipArchive) throws(TLError) {
        var infos = [TensorInfo]()
        var members = [String: (entry: ZipEntry, header: NPYHeader)]()
        for entry in archive.entries {
            let memberPath = "\(archive.path) (\(entry.name))"
            guard entry.name.hasSuffix(".npy") else {
                throw .badFile(path: archive.path, problem: "member '\(entry.name)' is not a .npy array")
            }
            let start = try archive.prefix(of: entry, count: 12)
            let size = try start.withUnsafeBytes { b in
                Result { () throws(TLError) -> Int in try NPYHeader.headerSize(b, path: memberPath) }
            }.get()
            let headerBytes = try archive.prefix(of: entry, count: size)
            let header = try headerBytes.withUnsafeBytes { b in
                Result { () throws(TLError) -> NPYHeader in try NPYHeader.parse(b, path: memberPath) }
            }.get()
            try NPYFile.checkDataSize(header, available: entry.uncompressedSize - header.dataOffset, path: memberPath)
            let name = String(entry.name.dropLast(4))
            infos.append(TensorInfo(name: name, dtype: header.dtype, shape: header.shape))
            members[name] = (entry, header)
        }
        self.path = archive.path
        self.archive = archive
        self.tensorInfos = infos
        self.members = members
    }

    public func tensor(named name: String) throws(TLError) -> Tensor {
        guard let member = members[name] else { throw .badTensor(name: name, problem: "not found in \(path)") }
        let (storage, start) = try archive.contents(of: member.entry)
        return Tensor(dtype: member.header.dtype, shape: member.header.shape, strides: member.header.strides,
                      storage: storage, byteOffset: start + member.header.dataOffset)
    }

    public func releasePages(of name: String) {
        guard let member = members[name], member.entry.method == .stored else { return }
        archive.storage.releasePages(offset: member.entry.dataOffset + member.header.dataOffset,
                                     count: member.header.byteCount)
    }
}
