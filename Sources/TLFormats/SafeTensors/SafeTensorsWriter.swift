import Foundation
import TLCore

/// Streams a safetensors file: the header (all names, dtypes, shapes and offsets,
/// known up front) is written first, then each tensor's bytes at its declared offset,
/// in any order and from any thread (a converter writes the embeddings while the blocks
/// stream). The file appears at its path only when `finish()` succeeds.
public final class SafeTensorsWriter: @unchecked Sendable {
    public let path: String
    private let infos: [TensorInfo]
    private let file: AtomicFile
    /// Name → index in `infos`; file position of each tensor's first byte.
    private let indices: [String: Int]
    private let positions: [Int]
    private let lock = NSLock()
    private var written: [Bool]
    private var writtenCount = 0

    /// - Parameters:
    ///   - tensors: every tensor the file will hold, in the order of their offsets.
    ///   - metadata: the `__metadata__` string map (keys written in sorted order).
    public init(path: String, tensors: [TensorInfo], metadata: [String: String] = [:]) throws(TLError) {
        var seen = Set<String>()
        for info in tensors where !seen.insert(info.name).inserted {
            throw .badTensor(name: info.name, problem: "declared twice for \(path)")
        }
        let file = try AtomicFile(path: path)
        let header = SafeTensorsWriter.header(tensors: tensors, metadata: metadata)
        try header.withUnsafeBytes { buffer in Result { () throws(TLError) in try file.write(buffer) } }.get()
        var position = header.count
        var positions = [Int]()
        for info in tensors {
            positions.append(position)
            position += info.byteCount
        }
        self.path = path
        self.infos = tensors
        self.file = file
        self.positions = positions
        self.indices = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
        self.written = Array(repeating: false, count: tensors.count)
    }

    /// The header bytes: length prefix plus JSON padded with spaces so the data
    /// buffer starts on an 8-byte boundary.
    static func header(tensors: [TensorInfo], metadata: [String: String]) -> [UInt8] {
        var members = [(key: String, value: JSONValue)]()
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }
                .map { ($0.key, JSONValue.string($0.value)) })))
        }
        var offset = 0
        for info in tensors {
            let end = offset + info.byteCount
            members.append((info.name, .object([
                ("dtype", .string(info.dtype.rawValue)),
                ("shape", .array(info.shape.map { .int(Int64($0)) })),
                ("data_offsets", .array([.int(Int64(offset)), .int(Int64(end))])),
            ])))
            offset = end
        }
        var json = Array(JSONWriter.string(.object(members)).utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        return bytes
    }

    /// Writes one declared tensor's raw bytes (already in its declared dtype) at its offset.
    /// `check` sees each chunk of `bytes` (byte offset, length) just before it is written.
    public func write(name: String, bytes: UnsafeRawBufferPointer,
                      checkingEach check: ((Int, Int) throws(TLError) -> Void)? = nil) throws(TLError) {
        guard let index = indices[name] else {
            throw .badTensor(name: name, problem: "written to \(path) but not declared in its header")
        }
        guard bytes.count == infos[index].byteCount else {
            throw .badTensor(name: name, problem: "\(bytes.count) bytes written, header declares \(infos[index].byteCount)")
        }
        try claim(index)
        try file.write(bytes, at: positions[index], checkingEach: check)
    }

    /// Encodes float32 values into the declared dtype and writes them.
    public func write(name: String, values: FloatTensor) throws(TLError) {
        guard let index = indices[name] else {
            throw .badTensor(name: name, problem: "written to \(path) but not declared in its header")
        }
        let encoded = values.encoded(as: infos[index].dtype)
        guard let bytes = encoded.contiguousBytes else { return }
        try write(name: name, bytes: bytes)
    }

    /// Marks tensor `index` as written; a second write of one tensor is an error.
    private func claim(_ index: Int) throws(TLError) {
        lock.lock()
        defer { lock.unlock() }
        guard !written[index] else {
            throw .badTensor(name: infos[index].name, problem: "written twice to \(path)")
        }
        written[index] = true
        writtenCount += 1
    }

    /// Checks every declared tensor was written, then renames the file into place.
    public func finish() throws(TLError) {
        lock.lock()
        let count = writtenCount
        lock.unlock()
        guard count == infos.count else {
            throw .output(path: path, problem: "only \(count) of \(infos.count) tensors were written")
        }
        try file.commit()
    }

    /// Abandons the file (the target is left untouched).
    public func discard() { file.discard() }
}
