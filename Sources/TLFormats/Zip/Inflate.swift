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
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 30  // avail_in/avail_out are 32-bit
        var consumed = 0
        var produced = 0
        var scratch: UInt8 = 0  // one byte past the declared size, to detect overlong streams
        while true {
            let inCount = min(chunk, input.count - consumed)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map {
                $0.assumingMemoryBound(to: UInt8.self) + consumed })
            stream.avail_in = UInt32(inCount)
            let outRoom = output.count - produced
            let status: Int32
            if outRoom > 0, let base = output.baseAddress {
                let outCount = min(chunk, outRoom)
                stream.next_out = base.assumingMemoryBound(to: UInt8.self) + produced
                stream.avail_out = UInt32(outCount)
                status = inflate(&stream, Z_NO_FLUSH)
                produced += outCount - Int(stream.avail_out)
            } else {
                if mode == .prefix { return produced }
                status = withUnsafeMutablePointer(to: &scratch) { pointer in
                    stream.next_out = pointer
                    stream.avail_out = 1
                    return inflate(&stream, Z_NO_FLUSH)
                }
                if stream.avail_out == 0 {
                    throw fail("inflates past its declared size of \(output.count) bytes (corrupt entry or zip bomb)")
                }
            }
            consumed += inCount - Int(stream.avail_in)
            switch status {
            case Z_STREAM_END:
                if mode == .whole && produced != output.count {
                    throw fail("inflates to \(produced) bytes, its header declares \(output.count)")
                }
                return produced
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: input exhausted before the stream ended.
                if consumed >= input.count {
                    if mode == .prefix && produced == output.count { return produced }
                    throw fail("deflate stream is truncated")
                }
                continue
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
