import TLCore

/// Streams a safetensors file: the header (all names, dtypes, shapes and offsets,
/// known up front) is written first, then each tensor's bytes in declared order.
/// The file appears at its path only when `finish()` succeeds.
public final class SafeTensorsWriter {
    public let path: String
    private let infos: [TensorInfo]
    private let file: AtomicFile
    private var next = 0

    /// - Parameters:
    ///   - tensors: every tensor the file will hold, in the order they will be written.
    ///   - metadata: the `__metadata__` string map (keys written in sorted order).
    public init(path: String, tensors: [TensorInfo], metadata: [String: String] = [:]) throws(TLError) {
        var seen = Set<String>()
        for info in tensors where !seen.insert(info.name).inserted {
            throw .badTensor(name: info.name, problem: "declared twice for \(path)")
        }
        self.path = path
        self.infos = tensors
        self.file = try AtomicFile(path: path)
        let header = SafeTensorsWriter.header(tensors: tensors, metadata: metadata)
        try header.withUnsafeBytes { buffer in Result { () throws(TLError) in try file.write(buffer) } }.get()
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

    /// Writes the next tensor's raw bytes (already in its declared dtype).
    public func write(name: String, bytes: UnsafeRawBufferPointer) throws(TLError) {
        guard next < infos.count else {
            throw .badTensor(name: name, problem: "written to \(path) but not declared in its header")
        }
        let expected = infos[next]
        guard expected.name == name else {
            throw .badTensor(name: name, problem: "written out of order to \(path) (expected '\(expected.name)')")
        }
        guard bytes.count == expected.byteCount else {
            throw .badTensor(name: name, problem: "\(bytes.count) bytes written, header declares \(expected.byteCount)")
        }
        try file.write(bytes)
        next += 1
    }

    /// Encodes float32 values into the declared dtype and writes them.
    public func write(name: String, values: FloatTensor) throws(TLError) {
        guard next < infos.count else {
            throw .badTensor(name: name, problem: "written to \(path) but not declared in its header")
        }
        let encoded = values.encoded(as: infos[next].dtype)
        guard let bytes = encoded.contiguousBytes else { return }
        try write(name: name, bytes: bytes)
    }

    /// Checks every declared tensor was written, then renames the file into place.
    public func finish() throws(TLError) {
        guard next == infos.count else {
            throw .output(path: path, problem: "only \(next) of \(infos.count) tensors were written")
        }
        try file.commit()
    }

    /// Abandons the file (the target is left untouched).
    public func discard() { file.discard() }
}
