import CZlib
import Foundation
import Testing
import TLCore
@testable import TLFormats

/// Paths and byte builders shared by the format tests.
enum TestSupport {
    /// A fresh empty directory under the system temporary folder.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "tlformats-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` to a new file in a fresh temporary directory and returns its path.
    static func file(_ bytes: [UInt8], named name: String) -> String {
        let path = temporaryDirectory() + "/" + name
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        return path
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    /// Raw deflate of `bytes` with zlib (for deflated zip members).
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + 1024)
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                CZlib.deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    struct ZipMember {
        var name: String
        var data: [UInt8]
        var deflated = false
        /// Overrides the uncompressed size written in both headers (to forge bad archives).
        var declaredSize: Int? = nil
        /// Raw deflate bytes written instead of deflating `data` (to forge bombs).
        var compressed: [UInt8]? = nil
    }

    /// A deflated member that inflates to `prefix` (a .npy header, say) and 1 KiB of zeros,
    /// then turns to garbage, declaring `declaredSize` bytes and padded to the size deflate
    /// would need for them: a zip bomb that costs nothing to build and fails once inflating
    /// passes its first KiB of data.
    static func forgedBomb(name: String, prefix: [UInt8], declaredSize: Int) -> ZipMember {
        let start = prefix + [UInt8](repeating: 0, count: 1024)
        let storedBlock = [0] + le(UInt16(start.count)) + le(~UInt16(start.count)) + start  // BFINAL=0, stored
        let filler = [UInt8](repeating: 0xFF, count: max(0, declaredSize / Inflate.maxRatio + 1 - storedBlock.count))
        return ZipMember(name: name, data: prefix, declaredSize: declaredSize, compressed: storedBlock + filler)
    }

    /// A zip archive built by hand (stored or deflated members, optional zip64 records).
    static func zip(_ members: [ZipMember], zip64: Bool = false) -> [UInt8] {
        var out = [UInt8]()
        var central = [UInt8]()
        for member in members {
            let payload = member.compressed ?? (member.deflated ? deflate(member.data) : member.data)
            let size = UInt32(member.declaredSize ?? member.data.count)
            let crc = crc32(member.data)
            let name = Array(member.name.utf8)
            let method: UInt16 = member.deflated || member.compressed != nil ? 8 : 0
            let offset = out.count
            var extra = [UInt8]()
            if zip64 { extra = le(UInt16(1)) + le(UInt16(16)) + le(UInt64(size)) + le(UInt64(payload.count)) }
            out += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(method) + le(UInt32(0))
            out += le(crc) + le(zip64 ? UInt32.max : UInt32(payload.count)) + le(zip64 ? UInt32.max : size)
            out += le(UInt16(name.count)) + le(UInt16(extra.count)) + name + extra + payload
            var centralExtra = [UInt8]()
            if zip64 {
                centralExtra = le(UInt16(1)) + le(UInt16(24)) + le(UInt64(size)) + le(UInt64(payload.count)) + le(UInt64(offset))
            }
            central += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(20)) + le(UInt16(0)) + le(method) + le(UInt32(0))
            central += le(crc) + le(zip64 ? UInt32.max : UInt32(payload.count)) + le(zip64 ? UInt32.max : size)
            central += le(UInt16(name.count)) + le(UInt16(centralExtra.count)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt16(0)) + le(UInt32(0)) + le(zip64 ? UInt32.max : UInt32(offset)) + name + centralExtra
        }
        let centralOffset = out.count
        out += central
        if zip64 {
            let recordOffset = out.count
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
            out += le(UInt64(members.count)) + le(UInt64(members.count)) + le(UInt64(central.count)) + le(UInt64(centralOffset))
            out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(recordOffset)) + le(UInt32(1))
        }
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0))
        out += le(UInt16(zip64 ? 0xFFFF : members.count)) + le(UInt16(zip64 ? 0xFFFF : members.count))
        out += le(zip64 ? UInt32.max : UInt32(central.count)) + le(zip64 ? UInt32.max : UInt32(centralOffset)) + le(UInt16(0))
        return out
    }

    /// A `.npy` file (format 1.0) for `descr`, `shape` and raw data bytes.
    static func npy(descr: String, shape: [Int], fortran: Bool = false, data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0] + le(UInt16(header.utf8.count)) + Array(header.utf8) + data
    }

    /// A safetensors file from (name, dtype, shape, bytes) entries, written by the reader's
    /// sibling writer logic but assembled here so tests can forge headers.
    static func safetensors(header json: String, data: [UInt8]) -> [UInt8] {
        le(UInt64(json.utf8.count)) + Array(json.utf8) + data
    }

    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { le($0.bitPattern) }
    }

    /// The pickle `torch.save` writes for `{name: float32 tensor}` (protocol 2), with the
    /// storage named `key` holding `count` elements.
    static func torchPickle(tensors: [(name: String, key: String, shape: [Int], strides: [Int], offset: Int, count: Int)],
                            storageType: String = "FloatStorage") -> [UInt8] {
        var p = PickleBuilder()
        p.op(0x80); p.byte(2)
        p.op(0x7D)  // EMPTY_DICT
        p.op(0x28)  // MARK
        for t in tensors {
            p.unicode(t.name)
            p.tensor(key: t.key, shape: t.shape, strides: t.strides, offset: t.offset, count: t.count, storageType: storageType)
        }
        p.op(0x75)  // SETITEMS
        p.op(0x2E)
        return p.bytes
    }

    /// `{key: (((…),),)}`: `depth` tuples nested in one another, ~1 byte a level.
    static func nestedTuplesPickle(depth: Int, key: String = "deep") -> [UInt8] {
        var p = PickleBuilder()
        p.op(0x80); p.byte(2)
        p.op(0x7D); p.unicode(key)
        p.op(0x29)  // EMPTY_TUPLE
        p.bytes += [UInt8](repeating: 0x85, count: depth - 1)  // TUPLE1 each
        p.op(0x73); p.op(0x2E)  // SETITEM STOP
        return p.bytes
    }

    /// `{"a": L}` where each of `layers` lists holds the one below `fanout` times by memo
    /// reference, and the lowest holds `leaf` (a float32 tensor over storage "0" of 6
    /// elements, or nothing): fanout^layers paths in a few bytes a reference.
    static func sharedLayersPickle(layers: Int, fanout: Int, tensorLeaf: Bool) -> [UInt8] {
        var p = PickleBuilder()
        p.op(0x80); p.byte(2)
        p.op(0x5D)
        if tensorLeaf { p.tensor(key: "0", shape: [6], strides: [1], offset: 0, count: 6); p.op(0x61) }
        p.put(0); p.op(0x30)
        for layer in 1...layers {
            p.op(0x5D); p.put(UInt8(layer)); p.op(0x28)
            for _ in 0..<fanout { p.get(UInt8(layer - 1)) }
            p.op(0x65); p.op(0x30)  // APPENDS POP
        }
        p.op(0x7D); p.unicode("a"); p.get(UInt8(layers)); p.op(0x73); p.op(0x2E)
        return p.bytes
    }

    /// A torch.save-style zip: `top/data.pkl`, `top/byteorder`, `top/data/<key>` records.
    static func torchZip(pickle: [UInt8], records: [(key: String, bytes: [UInt8])], top: String = "archive",
                         byteorder: String = "little") -> [UInt8] {
        var members = [ZipMember(name: "\(top)/data.pkl", data: pickle), ZipMember(name: "\(top)/byteorder", data: Array(byteorder.utf8))]
        for record in records { members.append(ZipMember(name: "\(top)/data/\(record.key)", data: record.bytes)) }
        members.append(ZipMember(name: "\(top)/version", data: Array("3\n".utf8)))
        return zip(members)
    }
}

/// Emits pickle opcodes.
struct PickleBuilder {
    var bytes = [UInt8]()
    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func unicode(_ s: String) {
        let utf8 = Array(s.utf8)
        bytes.append(0x58); bytes += TestSupport.le(UInt32(utf8.count)); bytes += utf8
    }
    mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63); bytes += Array("\(module)\n\(name)\n".utf8)
    }
    mutating func int(_ v: Int) {
        if v >= 0 && v < 256 { bytes += [0x4B, UInt8(v)] }
        else if let small = Int32(exactly: v) { bytes.append(0x4A); bytes += TestSupport.le(small) }
        else { bytes += [0x8A, 8]; bytes += TestSupport.le(Int64(v)) }  // LONG1
    }
    /// `torch._utils._rebuild_tensor_v2(storage, offset, shape, strides, False, OrderedDict())`.
    mutating func tensor(key: String, shape: [Int], strides: [Int], offset: Int, count: Int, storageType: String = "FloatStorage") {
        global("torch._utils", "_rebuild_tensor_v2")
        op(0x28)
        op(0x28); unicode("storage"); global("torch", storageType); unicode(key); unicode("cpu"); int(count); op(0x74)
        op(0x51)  // BINPERSID
        int(offset)
        op(0x28); for d in shape { int(d) }; op(0x74)
        op(0x28); for s in strides { int(s) }; op(0x74)
        op(0x89)  // False
        global("collections", "OrderedDict"); op(0x29); op(0x52)
        op(0x74)  // args tuple
        op(0x52)  // REDUCE
    }
    /// BINPUT / BINGET of memo slot `index`.
    mutating func put(_ index: UInt8) { bytes += [0x71, index] }
    mutating func get(_ index: UInt8) { bytes += [0x68, index] }
}

/// Runs `body` and returns the TLError it throws (nil when it succeeds).
func thrownError<T>(_ body: () throws(TLError) -> T) -> TLError? {
    do { _ = try body(); return nil } catch { return error }
}
