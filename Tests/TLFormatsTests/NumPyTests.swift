#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TLCore
@testable import TLFormats

/// `.npy` headers and `.npz` archives built as numpy writes them.
struct NumPyTests {
    @Test func readsEveryDtypeAndFortranOrder() throws {
        let cases: [(String, DType)] = [("<f4", .f32), ("<f2", .f16), ("<f8", .f64), ("<i8", .i64), ("<i4", .i32),
                                        ("<i2", .i16), ("|i1", .i8), ("|u1", .u8), ("|b1", .bool)]
        for (descr, dtype) in cases {
            let data = [UInt8](repeating: 1, count: 6 * dtype.byteSize)
            let path = TestSupport.file(TestSupport.npy(descr: descr, shape: [2, 3], data: data), named: "a.npy")
            let source = try CheckpointOpener.open(path)
            #expect(source.format == "npy")
            #expect(source.tensorInfos == [TensorInfo(name: "a", dtype: dtype, shape: [2, 3])])
        }
        // Fortran order: memory holds columns; the view must read rows.
        let column: [Float] = [1, 4, 2, 5, 3, 6]  // the 2×3 matrix [[1,2,3],[4,5,6]] column-major
        let path = TestSupport.file(TestSupport.npy(descr: "<f4", shape: [2, 3], fortran: true, data: TestSupport.floats(column)),
                                    named: "f.npy")
        #expect(try CheckpointOpener.open(path).tensor(named: "f").floats() == [1, 2, 3, 4, 5, 6])
    }

    @Test func readsStoredAndDeflatedNPZ() throws {
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let member = TestSupport.npy(descr: "<f4", shape: [3, 2], data: TestSupport.floats(a))
        for deflated in [false, true] {
            let bytes = TestSupport.zip([.init(name: "x.npy", data: member, deflated: deflated),
                                         .init(name: "y.npy", data: TestSupport.npy(descr: "<i8", shape: [0], data: []), deflated: deflated)],
                                        zip64: deflated)
            let source = try CheckpointOpener.open(TestSupport.file(bytes, named: "r.npz"))
            #expect(source.format == "npz")
            #expect(source.tensorInfos == [TensorInfo(name: "x", dtype: .f32, shape: [3, 2]), TensorInfo(name: "y", dtype: .i64, shape: [0])])
            #expect(try source.tensor(named: "x").floats() == a)
            #expect(try source.tensor(named: "x").storage.isMapped == !deflated)
        }
    }

    @Test func refusesBadHeaders() {
        func error(_ bytes: [UInt8]) -> String? {
            let path = TestSupport.file(bytes, named: "b.npy")
            return thrownError { () throws(TLError) in try CheckpointOpener.open(path) }.map { "\($0)".replacingOccurrences(of: path, with: "b.npy") }
        }
        #expect(error(TestSupport.npy(descr: ">f4", shape: [1], data: [0, 0, 0, 0]))
                == "b.npy: big-endian .npy dtype '>f4' is not supported")
        #expect(error(TestSupport.npy(descr: "<c8", shape: [1], data: [UInt8](repeating: 0, count: 8)))
                == "b.npy: unsupported .npy dtype '<c8' (supported: f8 f4 f2 i8 i4 i2 i1 u1 b1)")
        #expect(error(TestSupport.npy(descr: "<f4", shape: [2, 2], data: [0, 0, 0, 0]))
                == "b.npy: truncated: shape [2, 2] of F32 needs 16 data bytes, the .npy holds 4")
        #expect(error(Array(TestSupport.npy(descr: "<f4", shape: [1], data: []).prefix(40)))
                == "b.npy: truncated: .npy header of 128 bytes runs past the end (40 bytes)")
        #expect(error([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]) == "b.npy: .npy format version 9 is not supported (1–3)")
        var object = TestSupport.npy(descr: "|O", shape: [1], data: [])
        object = Array(object)
        #expect(error(object)?.hasPrefix("b.npy: unknown .npy dtype '|O'") == true)
    }

    /// A deflated member declaring 1 GiB behind a real `.npy` header: listed from its header
    /// alone, and refused when read before its declared size is allocated (the stream is
    /// checked first, through a small buffer).
    @Test func deflatedBombIsListedFromItsHeaderAndRefusedBeforeAllocating() throws {
        let header = TestSupport.npy(descr: "<f4", shape: [1, 4, 1 << 26], data: [])
        let bomb = TestSupport.forgedBomb(name: "logits.npy", prefix: header, declaredSize: header.count + (1 << 30))
        let path = TestSupport.file(TestSupport.zip([bomb]), named: "bomb.npz")
        let source = try CheckpointOpener.open(path)
        #expect(source.tensorInfos == [TensorInfo(name: "logits", dtype: .f32, shape: [1, 4, 1 << 26])])
        let before = Self.peakResidentBytes()
        #expect(thrownError { () throws(TLError) in try source.tensor(named: "logits") }
                == .badFile(path: path, problem: "zip entry 'logits.npy': corrupt deflate data (invalid block type)"))
        #expect(Self.peakResidentBytes() - before < 256 << 20, "reading the bomb allocated its declared size")
    }

    /// This process's peak resident memory so far.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
