import TLCore

/// Bounds-checked little-endian reads over untrusted bytes. Every read that would
/// pass the end throws instead of touching memory outside the buffer.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    /// Names the file in errors.
    let path: String

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, path: String) {
        self.bytes = bytes
        self.offset = offset
        self.path = path
    }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset >= bytes.count }

    func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }

    mutating func require(_ count: Int, _ what: @autoclosure () -> String) throws(TLError) {
        guard count >= 0, offset >= 0, count <= bytes.count - offset else {
            throw fail("truncated: \(what()) needs \(count) bytes at offset \(offset), the data ends at \(bytes.count)")
        }
    }

    mutating func u8(_ what: @autoclosure () -> String = "a byte") throws(TLError) -> UInt8 {
        try require(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: @autoclosure () -> String = "a 2-byte integer") throws(TLError) -> UInt16 {
        try require(2, what())
        defer { offset += 2 }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian
    }

    mutating func u32(_ what: @autoclosure () -> String = "a 4-byte integer") throws(TLError) -> UInt32 {
        try require(4, what())
        defer { offset += 4 }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
    }

    mutating func u64(_ what: @autoclosure () -> String = "an 8-byte integer") throws(TLError) -> UInt64 {
        try require(8, what())
        defer { offset += 8 }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    /// `count` bytes as a sub-buffer (no copy).
    mutating func slice(_ count: Int, _ what: @autoclosure () -> String) throws(TLError) -> UnsafeRawBufferPointer {
        try require(count, what())
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(TLError) {
        try require(count, what())
        offset += count
    }

    /// An untrusted integer that must fit an `Int` and stay below `limit`.
    static func checkedInt(_ value: UInt64, limit: Int) -> Int? {
        value <= UInt64(limit) ? Int(value) : nil
    }
}
