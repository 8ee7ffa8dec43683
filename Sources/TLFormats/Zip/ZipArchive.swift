import TLCore

/// One member of a zip archive, as its central directory describes it (checked
/// against its local header).
public struct ZipEntry: Sendable, Equatable {
    public enum Method: Sendable, Equatable { case stored, deflated }

    public let name: String
    public let method: Method
    public let compressedSize: Int
    public let uncompressedSize: Int
    public let crc32: UInt32
    /// Absolute offset of the entry's (compressed) data in the archive.
    public let dataOffset: Int
}

/// A read-only zip archive over a mapped file: the central directory (with zip64
/// end records and extra fields) is read and every entry's local header checked.
/// Stored entries are viewed in place; deflated ones are inflated on request.
public struct ZipArchive: Sendable {
    public let path: String
    public let storage: ByteStorage
    /// Entries in central-directory order.
    public let entries: [ZipEntry]
    private let byName: [String: Int]

    public static func hasZipMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B
            && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
    }

    public init(path: String) throws(TLError) {
        try self.init(storage: try ByteStorage.map(path: path), path: path)
    }

    public init(storage: ByteStorage, path: String) throws(TLError) {
        self.path = path
        self.storage = storage
        let file = storage.bytes
        func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }

        guard file.count >= 22 else {
            throw fail(file.isEmpty ? "empty file, not a zip archive" : "corrupt zip: \(file.count) bytes is too short for an archive")
        }
        var entries = [ZipEntry]()
        var byName = [String: Int]()
        do throws(TLError) {
            let directory = try ZipArchive.locateCentralDirectory(file, fail: fail)
            var cursor = ByteCursor(file, offset: directory.offset, path: path)
            for index in 0..<directory.count {
                let entry = try ZipArchive.readCentralEntry(&cursor, file: file, directoryOffset: directory.offset, fail: fail)
                if byName.updateValue(index, forKey: entry.name) != nil {
                    throw fail("corrupt zip: entry '\(entry.name)' appears twice")
                }
                entries.append(entry)
            }
            guard cursor.offset == directory.offset + directory.size else {
                throw fail("corrupt zip: central directory size \(directory.size) disagrees with its \(directory.count) entries")
            }
        } catch {
            throw error.inFile(path)  // cursors over sub-buffers leave the path empty
        }
        self.entries = entries
        self.byName = byName
    }

    public func entry(named name: String) -> ZipEntry? {
        byName[name].map { entries[$0] }
    }

    /// The uncompressed bytes of an entry: the archive's own mapping for stored entries
    /// (no copy), a fresh heap buffer for deflated ones (inflated and CRC-checked).
    public func contents(of entry: ZipEntry) throws(TLError) -> (storage: ByteStorage, offset: Int) {
        switch entry.method {
        case .stored:
            return (storage, entry.dataOffset)
        case .deflated:
            // Inflated twice: first checked against its declared size and CRC without being
            // kept, so a small entry lying about a huge size costs no allocation of that size.
            try Inflate.verify(compressed(entry), size: entry.uncompressedSize, crc: entry.crc32, fail: entryFailure(entry))
            let output = ByteStorage.allocate(count: entry.uncompressedSize)
            let target = UnsafeMutableRawBufferPointer(start: output.mutableBase, count: entry.uncompressedSize)
            try Inflate.raw(compressed(entry), into: target, mode: .whole, fail: entryFailure(entry))
            return (output, 0)
        }
    }

    /// The first `count` uncompressed bytes of an entry (fewer if the entry is shorter),
    /// inflating only as much as needed: enough to read a header cheaply.
    public func prefix(of entry: ZipEntry, count: Int) throws(TLError) -> [UInt8] {
        let wanted = min(count, entry.uncompressedSize)
        switch entry.method {
        case .stored:
            return Array(UnsafeRawBufferPointer(rebasing: storage.bytes[entry.dataOffset..<(entry.dataOffset + wanted)]))
        case .deflated:
            var out = [UInt8](repeating: 0, count: wanted)
            let produced = try out.withUnsafeMutableBytes { buffer in
                Result { () throws(TLError) -> Int in
                    try Inflate.raw(compressed(entry), into: buffer, mode: .prefix, fail: entryFailure(entry))
                }
            }.get()
            return Array(out.prefix(produced))
        }
    }

    private func compressed(_ entry: ZipEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage.bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
    }

    private func entryFailure(_ entry: ZipEntry) -> (String) -> TLError {
        { [path] problem in .badFile(path: path, problem: "zip entry '\(entry.name)': \(problem)") }
    }

    // MARK: - Directory parsing

    private struct Directory { let offset: Int; let size: Int; let count: Int }

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// Finds the end-of-central-directory record (searching back over a comment of up to
    /// 64 KiB) and, when present, the zip64 end record through its locator.
    private static func locateCentralDirectory(_ file: UnsafeRawBufferPointer,
                                               fail: (String) -> TLError) throws(TLError) -> Directory {
        var position = file.count - 22
        let lowest = max(0, file.count - 22 - 0xFFFF)
        var found: Int?
        while position >= lowest {
            if file.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian == endSignature {
                let commentLength = Int(file.loadUnaligned(fromByteOffset: position + 20, as: UInt16.self).littleEndian)
                if position + 22 + commentLength == file.count { found = position; break }
            }
            position -= 1
        }
        guard let end = found else {
            throw fail("corrupt zip: no end-of-central-directory record (truncated or not a zip archive)")
        }
        var cursor = ByteCursor(file, offset: end + 4, path: "")
        let disk = try cursor.u16(), directoryDisk = try cursor.u16()
        _ = try cursor.u16()
        var count = UInt64(try cursor.u16())
        var size = UInt64(try cursor.u32())
        var offset = UInt64(try cursor.u32())

        if end >= 20, file.loadUnaligned(fromByteOffset: end - 20, as: UInt32.self).littleEndian == zip64LocatorSignature {
            var locator = ByteCursor(file, offset: end - 16, path: "")
            _ = try locator.u32()
            let recordOffset = try locator.u64()
            guard recordOffset <= UInt64(end - 20), UInt64(end - 20) - recordOffset >= 56 else {
                throw fail("corrupt zip: zip64 end record offset \(recordOffset) lies outside the archive")
            }
            var record = ByteCursor(file, offset: Int(recordOffset), path: "")
            guard try record.u32() == zip64EndSignature else {
                throw fail("corrupt zip: zip64 locator does not point at a zip64 end record")
            }
            _ = try record.u64(); _ = try record.u16(); _ = try record.u16()
            let disk64 = try record.u32(), directoryDisk64 = try record.u32()
            guard disk64 == 0, directoryDisk64 == 0 else { throw fail("multi-disk zip archives are not supported") }
            _ = try record.u64()
            count = try record.u64()
            size = try record.u64()
            offset = try record.u64()
        } else {
            guard disk == 0, directoryDisk == 0 else { throw fail("multi-disk zip archives are not supported") }
        }
        guard offset <= UInt64(end), size <= UInt64(end) - offset else {
            throw fail("corrupt zip: central directory [\(offset), +\(size)] lies outside the archive")
        }
        // Each central entry takes at least 46 bytes: a count beyond that is a lie.
        guard count <= size / 46 else {
            throw fail("corrupt zip: \(count) entries cannot fit a \(size)-byte central directory")
        }
        return Directory(offset: Int(offset), size: Int(size), count: Int(count))
    }

    private static func readCentralEntry(_ cursor: inout ByteCursor, file: UnsafeRawBufferPointer,
                                         directoryOffset: Int, fail: (String) -> TLError) throws(TLError) -> ZipEntry {
        let at = cursor.offset
        guard try cursor.u32("a central directory entry") == centralSignature else {
            throw fail("corrupt zip: bad central directory entry signature at offset \(at)")
        }
        try cursor.skip(4, "a central directory entry")
        let flags = try cursor.u16()
        let methodCode = try cursor.u16()
        try cursor.skip(4, "a central directory entry")
        let crc = try cursor.u32()
        var compressed = UInt64(try cursor.u32())
        var uncompressed = UInt64(try cursor.u32())
        let nameLength = Int(try cursor.u16())
        let extraLength = Int(try cursor.u16())
        let commentLength = Int(try cursor.u16())
        let diskStart = try cursor.u16()
        try cursor.skip(6, "a central directory entry")
        var localOffset = UInt64(try cursor.u32())
        let nameBytes = try cursor.slice(nameLength, "an entry name")
        let extra = try cursor.slice(extraLength, "an entry's extra field")
        try cursor.skip(commentLength, "an entry comment")
        let name = String(decoding: nameBytes, as: UTF8.self)
        func entryFail(_ problem: String) -> TLError { fail("zip entry '\(name)': \(problem)") }

        var wide = [UInt64]()
        if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF || diskStart == 0xFFFF {
            wide = try zip64Fields(extra, fail: entryFail)
            var next = 0
            func take() throws(TLError) -> UInt64 {
                guard next < wide.count else { throw entryFail("zip64 extra field is missing a size or offset") }
                defer { next += 1 }
                return wide[next]
            }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try take() }
            if compressed == 0xFFFF_FFFF { compressed = try take() }
            if localOffset == 0xFFFF_FFFF { localOffset = try take() }
        }
        guard flags & 1 == 0 else { throw entryFail("is encrypted") }
        let method: ZipEntry.Method
        switch methodCode {
        case 0: method = .stored
        case 8: method = .deflated
        default: throw entryFail("compression method \(methodCode) is not supported (only stored and deflated)")
        }
        guard localOffset < UInt64(directoryOffset), compressed <= UInt64(directoryOffset) else {
            throw entryFail("local header offset \(localOffset) or size \(compressed) lies outside the archive")
        }
        if method == .stored && compressed != uncompressed {
            throw entryFail("stored entry declares \(compressed) bytes stored but \(uncompressed) uncompressed")
        }
        if method == .deflated && uncompressed > compressed * UInt64(Inflate.maxRatio) + 1024 {
            throw entryFail("declares \(uncompressed) bytes from \(compressed) compressed, more than deflate can produce (zip bomb?)")
        }
        guard uncompressed <= UInt64(Int.max / 2) else { throw entryFail("impossibly large") }

        // The local header must agree with the central one.
        var local = ByteCursor(file, offset: Int(localOffset), path: "")
        guard (try? local.u32()) == localSignature else {
            throw entryFail("no local header at offset \(localOffset) (corrupt zip)")
        }
        try local.skip(2, "a local header")
        let localFlags = try local.u16()
        let localMethod = try local.u16()
        try local.skip(4, "a local header")
        let localCRC = try local.u32()
        var localCompressed = UInt64(try local.u32())
        var localUncompressed = UInt64(try local.u32())
        let localNameLength = Int(try local.u16())
        let localExtraLength = Int(try local.u16())
        let localName = try local.slice(localNameLength, "a local header name")
        let localExtra = try local.slice(localExtraLength, "a local header extra field")
        guard localMethod == methodCode, localName.elementsEqual(nameBytes) else {
            throw entryFail("local header disagrees with the central directory (name or method)")
        }
        if localFlags & 8 == 0 {
            if localCompressed == 0xFFFF_FFFF || localUncompressed == 0xFFFF_FFFF {
                let localWide = try zip64Fields(localExtra, fail: entryFail)
                var next = 0
                if localUncompressed == 0xFFFF_FFFF, next < localWide.count { localUncompressed = localWide[next]; next += 1 }
                if localCompressed == 0xFFFF_FFFF, next < localWide.count { localCompressed = localWide[next]; next += 1 }
            }
            guard localCRC == crc, localCompressed == compressed, localUncompressed == uncompressed else {
                throw entryFail("local header sizes or CRC disagree with the central directory")
            }
        }
        let dataOffset = local.offset
        guard UInt64(dataOffset) + compressed <= UInt64(directoryOffset) else {
            throw entryFail("data runs past the start of the central directory (truncated or corrupt zip)")
        }
        return ZipEntry(name: name, method: method, compressedSize: Int(compressed),
                        uncompressedSize: Int(uncompressed), crc32: crc, dataOffset: dataOffset)
    }

    /// The 64-bit values of a zip64 extended-information extra field (tag 0x0001).
    private static func zip64Fields(_ extra: UnsafeRawBufferPointer, fail: (String) -> TLError) throws(TLError) -> [UInt64] {
        var cursor = ByteCursor(extra, path: "")
        while cursor.remaining >= 4 {
            let tag = try cursor.u16()
            let size = Int(try cursor.u16())
            guard size <= cursor.remaining else { throw fail("extra field runs past its end") }
            if tag == 1 {
                var values = [UInt64]()
                var field = ByteCursor(try cursor.slice(size, "zip64 field"), path: "")
                while field.remaining >= 8 { values.append(try field.u64()) }
                return values
            }
            try cursor.skip(size, "extra field")
        }
        return []
    }
}
