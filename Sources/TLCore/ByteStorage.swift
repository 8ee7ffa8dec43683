#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes a tensor can view without copying: a memory-mapped file region or a heap buffer.
/// Reference type so many tensor views can share one mapping; unmapped/freed on deinit.
public final class ByteStorage: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let count: Int
    /// Whether the bytes are a file mapping (pages can be dropped and re-read) rather
    /// than heap memory (where dropping pages would lose the data).
    public let isMapped: Bool
    private let release: @Sendable (UnsafeMutableRawPointer, Int) -> Void

    private init(base: UnsafeMutableRawPointer, count: Int, isMapped: Bool,
                 release: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Void) {
        self.base = UnsafeRawPointer(base)
        self.count = count
        self.isMapped = isMapped
        self.release = release
    }

    deinit { release(UnsafeMutableRawPointer(mutating: base), count) }

    /// A zeroed heap buffer of `count` bytes (16-byte aligned).
    public static func allocate(count: Int) -> ByteStorage {
        let size = max(count, 1)
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        return ByteStorage(base: pointer, count: count, isMapped: false) { p, _ in p.deallocate() }
    }

    /// A heap copy of `bytes`.
    public static func copying(_ bytes: UnsafeRawBufferPointer) -> ByteStorage {
        let storage = allocate(count: bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            storage.mutableBase.copyMemory(from: source, byteCount: bytes.count)
        }
        return storage
    }

    /// Maps a whole file read-only. An empty file maps to an empty storage.
    public static func map(path: String) throws(TLError) -> ByteStorage {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw .badFile(path: path, problem: "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .badFile(path: path, problem: "cannot stat (\(String(cString: strerror(errno))))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw .badFile(path: path, problem: "is a directory, expected a file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .badFile(path: path, problem: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 { return allocate(count: 0) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .badFile(path: path, problem: "cannot map (\(String(cString: strerror(errno))))")
        }
        return ByteStorage(base: mapped, count: size, isMapped: true) { p, n in munmap(p, n) }
    }

    /// Writable base, for storages this process allocated itself.
    public var mutableBase: UnsafeMutableRawPointer { UnsafeMutableRawPointer(mutating: base) }

    /// The bytes, valid only while this storage is alive: a caller holding the storage in a
    /// local must keep it alive past the last use of the pointer (see `withBytes`), because
    /// Swift may release a local right after its last mention.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Runs `body` over the bytes with this storage guaranteed alive throughout.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(bytes)
    }

    /// Tells the kernel a byte range of a mapping is no longer needed, so its pages
    /// can be dropped from the resident set (streaming conversion releases layer by layer).
    /// A no-op for heap storages: `MADV_DONTNEED` would zero their pages.
    public func releasePages(offset: Int, count: Int) {
        #if canImport(Glibc)
        guard isMapped, offset >= 0, count > 0, offset < self.count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset / page) * page
        let end = min(self.count, offset + count)
        guard end > start else { return }
        madvise(mutableBase + start, end - start, MADV_DONTNEED)
        #endif
    }
}
