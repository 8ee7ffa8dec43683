import TLCore

/// A `torch.save` file (the zip format of torch ≥ 1.6: `pytorch_model.bin`, `.pt`, `.pth`).
/// `<top>/data.pkl` is read by the restricted unpickler; each tensor becomes a view over
/// its `<top>/data/<key>` record — in place for stored records (the norm: torch stores
/// them uncompressed and 64-byte aligned), inflated on request for deflated ones.
public struct TorchCheckpoint: TensorSource {
    public let path: String
    public var format: String { "torch" }
    public let tensorInfos: [TensorInfo]
    public var metadata: [String: String] { [:] }
    /// The archive's top folder (`archive`, `pytorch_model`, …).
    public let topFolder: String
    private let archive: ZipArchive
    private let tensors: [String: Located]

    private struct Located: Sendable {
        let entry: ZipEntry
        let info: TensorInfo
        let strides: [Int]
        /// Byte offset of element 0 within the record.
        let byteOffset: Int
    }

    /// Nesting allowed when flattening `{"state_dict": {...}}`-style checkpoints.
    static let maxNesting = 16

    public init(path: String) throws(TLError) {
        try self.init(archive: try ZipArchive(path: path))
    }

    public init(archive: ZipArchive) throws(TLError) {
        let path = archive.path
        func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
        }
        guard let pickleEntry = pickles.first else {
            throw fail("zip archive holds no <folder>/data.pkl: not a torch.save checkpoint")
        }
        guard pickles.count == 1 else {
            throw fail("zip archive holds \(pickles.count) data.pkl records (\(pickles.map(\.name).joined(separator: ", ")))")
        }
        let top = String(pickleEntry.name.dropLast("/data.pkl".count))
        if let order = archive.entry(named: "\(top)/byteorder") {
            let text = String(decoding: try archive.prefix(of: order, count: 16), as: UTF8.self)
            guard text == "little" else {
                throw fail(text == "big" ? "big-endian torch checkpoint is not supported (re-save it on a little-endian machine)"
                                         : "unknown byteorder record '\(text)'")
            }
        }
        let (pickleStorage, pickleOffset) = try archive.contents(of: pickleEntry)
        let root = try pickleStorage.withBytes { bytes throws(TLError) in
            let pickle = UnsafeRawBufferPointer(rebasing: bytes[pickleOffset..<(pickleOffset + pickleEntry.uncompressedSize)])
            return try RestrictedUnpickler.load(pickle, path: "\(path) (\(pickleEntry.name))")
        }

        var found = [(String, TorchTensorRef)]()
        var walk = Walk(budget: RestrictedUnpickler.workLimit(byteCount: pickleEntry.uncompressedSize), fail: fail)
        try walk.flatten(root, prefix: nil, depth: 0, into: &found)

        var infos = [TensorInfo]()
        var tensors = [String: Located]()
        for (name, ref) in found {
            let dtype = ref.storage.dtype
            let recordName = "\(top)/data/\(ref.storage.key)"
            guard let record = archive.entry(named: recordName) else {
                throw fail("tensor '\(name)': storage record \(recordName) is missing")
            }
            let (storageBytes, overflow) = ref.storage.count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow else {
                throw fail("tensor '\(name)': storage \(recordName) declares \(ref.storage.count) \(dtype.rawValue) elements, an implausibly large size (its byte count overflows)")
            }
            guard record.uncompressedSize == storageBytes else {
                throw fail("tensor '\(name)': storage \(recordName) holds \(record.uncompressedSize) bytes, its \(ref.storage.count) \(dtype.rawValue) elements need \(storageBytes)")
            }
            let (offsetBytes, overflow2) = ref.offset.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow2, let span = Tensor.byteSpan(shape: ref.shape, strides: ref.strides, dtype: dtype),
                  span == 0 || offsetBytes <= storageBytes - span else {
                throw fail("tensor '\(name)': size \(ref.shape), stride \(ref.strides) at offset \(ref.offset) reach past its storage of \(ref.storage.count) elements")
            }
            guard ref.shape.allSatisfy({ $0 <= Int(Int32.max) }),
                  case (let elements, false) = ref.shape.reduce((1, false), { acc, d in
                      let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o) }),
                  elements <= Int.max / 8 else {
                throw fail("tensor '\(name)': size \(ref.shape) is impossibly large")
            }
            let info = TensorInfo(name: name, dtype: dtype, shape: ref.shape)
            infos.append(info)
            tensors[name] = Located(entry: record, info: info, strides: ref.strides, byteOffset: offsetBytes)
        }
        self.path = path
        self.topFolder = top
        self.archive = archive
        self.tensorInfos = infos
        self.tensors = tensors
    }

    public func tensor(named name: String) throws(TLError) -> Tensor {
        guard let located = tensors[name] else {
            throw .badTensor(name: name, problem: "not found in \(path)")
        }
        let (storage, start) = try archive.contents(of: located.entry)
        return Tensor(dtype: located.info.dtype, shape: located.info.shape, strides: located.strides,
                      storage: storage, byteOffset: start + located.byteOffset)
    }

    public func releasePages(of name: String) {
        guard let located = tensors[name], located.entry.method == .stored else { return }
        let span = Tensor.byteSpan(shape: located.info.shape, strides: located.strides, dtype: located.info.dtype) ?? 0
        archive.storage.releasePages(offset: located.entry.dataOffset + located.byteOffset, count: span)
    }

    /// The walk that collects a state dict's tensors. Memo references can make a small
    /// pickle a deeply shared graph (a "billion laughs"): every value visited counts against
    /// `budget`, so a walk never expands shared structure without bound. The unpickler
    /// already refused cycles and trees deeper than it can free.
    private struct Walk {
        var budget: Int
        let fail: (String) -> TLError

        /// Collects every tensor under `value`: dict keys join with ".", list and tuple items
        /// by index; non-tensor leaves (epoch counters, strings, None) are skipped.
        mutating func flatten(_ value: PickleValue, prefix: String?, depth: Int,
                              into found: inout [(String, TorchTensorRef)]) throws(TLError) {
            func child(_ key: String) -> String { prefix.map { "\($0).\(key)" } ?? key }
            guard depth <= maxNesting else { throw fail("pickle nests containers deeper than \(maxNesting) levels") }
            budget -= 1
            guard budget >= 0 else {
                throw fail("pickle expands to too many values when walked (a memoised structure reused over and over? hostile input?)")
            }
            switch value {
            case .tensor(let ref):
                guard let name = prefix else { throw fail("holds a single tensor, not a dict of tensors") }
                found.append((name, ref))
            case .dict(let dict):
                for (key, item) in dict.items {
                    let name: String
                    switch key {
                    case .string(let s): name = s
                    case .int(let i): name = String(i)
                    default: throw fail("dict key is a \(key.kind), expected a string")
                    }
                    try flatten(item, prefix: child(name), depth: depth + 1, into: &found)
                }
            case .list(let list):
                for (i, item) in list.items.enumerated() {
                    try flatten(item, prefix: child(String(i)), depth: depth + 1, into: &found)
                }
            case .tuple(let items, _) where prefix != nil:
                for (i, item) in items.enumerated() {
                    try flatten(item, prefix: child(String(i)), depth: depth + 1, into: &found)
                }
            default:
                if prefix == nil { throw fail("pickle holds a \(value.kind), not a dict of tensors") }
            }
            if depth == 0 {
                var seen = Set<String>()
                for (name, _) in found where !seen.insert(name).inserted {
                    throw fail("tensor '\(name)' appears twice")
                }
            }
        }
    }
}
