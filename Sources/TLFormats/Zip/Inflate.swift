import CZlib
import TLCore

/// Raw-deflate decompression (zip method 8) through zlib, into a buffer of the
/// size the archive declares — never more, so a lying entry cannot balloon memory.
enum Inflate {
    /// Deflate cannot expand data by more than about 1032:1; an entry claiming more
    /// is a zip bomb or corrupt, and is refused before anything is allocated.
    static let maxRatio = 1032

    enum Mode { case whole, prefix }

    /// Inflates `input` into `output`. `.whole` requires the stream to end exactly at
    /// `output.count` bytes; `.prefix` stops once `output` is full (for reading headers).
    /// Returns the number of bytes produced.
    @discardableResult
    static func raw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                    mode: Mode, fail: (String) -> TLError) throws(TLError) -> Int {
        let stream = try Stream(input, fail: fail)
        var produced = 0
        while true {
            if produced == output.count {
                if mode == .prefix { return produced }
                // One byte of room past the declared size detects an overlong stream.
                let step = try stream.next(into: UnsafeMutableRawBufferPointer(rebasing: stream.scratch.prefix(1)), fail: fail)
                if step.produced > 0 { throw overlong(output.count, fail) }
                if step.ended { return produced }
                continue
            }
            let step = try stream.next(into: UnsafeMutableRawBufferPointer(rebasing: output[produced...]), fail: fail)
            produced += step.produced
            if step.ended {
                if mode == .whole && produced != output.count {
                    throw fail("inflates to \(produced) bytes, its header declares \(output.count)")
                }
                return produced
            }
        }
    }

    /// Inflates `input` through a small scratch buffer, keeping nothing: checks that it comes
    /// to exactly `size` bytes with CRC-32 `crc`, so a lying entry is refused before
    /// `size` bytes are allocated for it.
    static func verify(_ input: UnsafeRawBufferPointer, size: Int, crc expected: UInt32,
                       fail: (String) -> TLError) throws(TLError) {
        let stream = try Stream(input, fail: fail)
        var produced = 0
        var crc = CZlib.crc32(0, nil, 0)
        while true {
            let step = try stream.next(into: stream.scratch, fail: fail)
            if let base = stream.scratch.baseAddress, step.produced > 0 {
                crc = CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self), UInt32(step.produced))
            }
            produced += step.produced
            guard produced <= size else { throw overlong(size, fail) }
            if step.ended {
                guard produced == size else { throw fail("inflates to \(produced) bytes, its header declares \(size)") }
                guard UInt32(crc) == expected else { throw fail("CRC-32 mismatch after inflating (corrupt entry)") }
                return
            }
        }
    }

    private static func overlong(_ size: Int, _ fail: (String) -> TLError) -> TLError {
        fail("inflates past its declared size of \(size) bytes (corrupt entry or zip bomb)")
    }

    /// One zlib raw-inflate stream over `input`, fed in pieces zlib's 32-bit counts can hold.
    private final class Stream {
        private var stream = z_stream()
        private let input: UnsafeRawBufferPointer
        private var consumed = 0
        /// Room for output that is checked, not kept.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        private static let chunk = 1 << 30

        init(_ input: UnsafeRawBufferPointer, fail: (String) -> TLError) throws(TLError) {
            self.input = input
            guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                scratch.deallocate()
                throw fail("cannot initialise zlib")
            }
        }

        deinit {
            inflateEnd(&stream)
            scratch.deallocate()
        }

        /// Inflates into `output` (at most 1 GiB of it per call): the bytes produced, and
        /// whether the stream ended. Throws on corrupt or truncated data.
        func next(into output: UnsafeMutableRawBufferPointer, fail: (String) -> TLError) throws(TLError) -> (produced: Int, ended: Bool) {
            let inCount = min(Self.chunk, input.count - consumed)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map {
                $0.assumingMemoryBound(to: UInt8.self) + consumed })
            stream.avail_in = UInt32(inCount)
            let outCount = min(Self.chunk, output.count)
            stream.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(outCount)
            let status = inflate(&stream, Z_NO_FLUSH)
            consumed += inCount - Int(stream.avail_in)
            let produced = outCount - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END: return (produced, true)
            case Z_OK: return (produced, false)
            case Z_BUF_ERROR where consumed < input.count || produced > 0: return (produced, false)
            case Z_BUF_ERROR: throw fail("deflate stream is truncated")  // input used up, no progress
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw fail("corrupt deflate data (\(reason))")
            }
        }
    }

    /// CRC-32 of a buffer (zip's checksum).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        guard let base = bytes.baseAddress else { return UInt32(crc) }
        var offset = 0
        while offset < bytes.count {
            let count = min(1 << 30, bytes.count - offset)
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self) + offset, UInt32(count))
            offset += count
        }
        return UInt32(crc)
    }
}
