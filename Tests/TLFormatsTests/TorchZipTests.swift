import Foundation
import Testing
import TLCore
@testable import TLFormats

/// `torch.save` zips built byte by byte: layout, strides, offsets, and refusals.
struct TorchZipTests {
    let values: [Float] = (0..<12).map { Float($0) * 0.5 - 1 }

    private func checkpoint(_ tensors: [(name: String, key: String, shape: [Int], strides: [Int], offset: Int, count: Int)],
                            records: [(key: String, bytes: [UInt8])], top: String = "archive",
                            byteorder: String = "little") -> String {
        let bytes = TestSupport.torchZip(pickle: TestSupport.torchPickle(tensors: tensors), records: records,
                                         top: top, byteorder: byteorder)
        return TestSupport.file(bytes, named: "model.bin")
    }

    @Test func readsContiguousStridedAndOffsetViews() throws {
        let path = checkpoint([
            ("w", "0", [3, 4], [4, 1], 0, 12),
            ("wt", "0", [4, 3], [1, 4], 0, 12),   // transposed view of the same storage
            ("row", "0", [4], [1], 8, 12),        // third row via storage offset
        ], records: [("0", TestSupport.floats(values))], top: "pytorch_model")
        let source = try CheckpointOpener.open(path)
        #expect(source.format == "torch")
        #expect(source.tensorInfos == [TensorInfo(name: "w", dtype: .f32, shape: [3, 4]),
                                       TensorInfo(name: "wt", dtype: .f32, shape: [4, 3]),
                                       TensorInfo(name: "row", dtype: .f32, shape: [4])])
        #expect(try source.tensor(named: "w").floats() == values)
        let transposed = try source.tensor(named: "wt")
        #expect(!transposed.isContiguous)
        #expect(transposed.floats() == (0..<4).flatMap { c in (0..<3).map { r in values[r * 4 + c] } })
        #expect(try source.tensor(named: "row").floats() == Array(values[8..<12]))
        source.releasePages(of: "w")  // mapped pages re-read on access
        #expect(try source.tensor(named: "w").floats() == values)
    }

    @Test func storedRecordsAreViewedInPlace() throws {
        let path = checkpoint([("w", "0", [12], [1], 0, 12)], records: [("0", TestSupport.floats(values))])
        let source = try TorchCheckpoint(path: path)
        #expect(try source.tensor(named: "w").storage.isMapped)
    }

    @Test func refusesForeignGlobalsWithoutRunningThem() throws {
        let marker = TestSupport.temporaryDirectory() + "/pwned"
        for (module, name) in [("posix", "system"), ("builtins", "eval"), ("os", "system"), ("subprocess", "Popen")] {
            var p = PickleBuilder()
            p.op(0x80); p.byte(2)
            p.global(module, name)
            p.unicode("touch \(marker)")
            p.op(0x85); p.op(0x52); p.op(0x2E)  // TUPLE1 REDUCE STOP
            let path = TestSupport.file(TestSupport.torchZip(pickle: p.bytes, records: []), named: "evil.pt")
            let error = thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
            #expect(error == .badFile(path: "\(path) (archive/data.pkl)",
                                      problem: "pickle: refuses global '\(module).\(name)': only tensor-rebuilding globals are allowed (nothing was executed)"))
            #expect(error?.exitCode == 2)
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func refusesStackGlobalToo() {
        var p = PickleBuilder()
        p.op(0x80); p.byte(4)
        p.unicode("builtins"); p.unicode("exec"); p.op(0x93)
        p.op(0x2E)
        let error = p.bytes.withUnsafeBytes { b in thrownError { () throws(TLError) in try RestrictedUnpickler.load(b, path: "x") } }
        #expect(error?.description.contains("refuses global 'builtins.exec'") == true)
    }

    @Test func refusesBigEndianArchives() {
        let path = checkpoint([("w", "0", [12], [1], 0, 12)], records: [("0", TestSupport.floats(values))], byteorder: "big")
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
                == .badFile(path: path, problem: "big-endian torch checkpoint is not supported (re-save it on a little-endian machine)"))
    }

    @Test func checksViewsAgainstStorageBounds() {
        let path = checkpoint([("w", "0", [4, 4], [4, 1], 0, 12)], records: [("0", TestSupport.floats(values))])
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
                == .badFile(path: path, problem: "tensor 'w': size [4, 4], stride [4, 1] at offset 0 reach past its storage of 12 elements"))
        let offsetPath = checkpoint([("w", "0", [4], [1], 10, 12)], records: [("0", TestSupport.floats(values))])
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(offsetPath) }?.description.contains("reach past its storage") == true)
    }

    @Test func checksRecordSizeAndPresence() {
        let short = checkpoint([("w", "0", [12], [1], 0, 12)], records: [("0", TestSupport.floats(Array(values.prefix(10))))])
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(short) }
                == .badFile(path: short, problem: "tensor 'w': storage archive/data/0 holds 40 bytes, its 12 F32 elements need 48"))
        let missing = checkpoint([("w", "7", [12], [1], 0, 12)], records: [("0", TestSupport.floats(values))])
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(missing) }
                == .badFile(path: missing, problem: "tensor 'w': storage record archive/data/7 is missing"))
    }

    @Test func refusesLegacyFormat() {
        // What torch.save(..., _use_new_zipfile_serialization=False) starts with: PROTO 2, LONG1 magic.
        let path = TestSupport.file([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E],
                                    named: "old.bin")
        #expect(thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
                == .badFile(path: path, problem: "legacy pre-1.6 torch format, re-save with torch>=1.6 (torch.save(torch.load(f), f))"))
    }

    @Test func boundsMemoAndStack() {
        // A pickle that pushes 2^20+1 Nones must stop at the stack limit, not grow forever.
        var bytes: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x4E, count: (1 << 20) + 1) + [0x2E]
        var error = bytes.withUnsafeBytes { b in thrownError { () throws(TLError) in try RestrictedUnpickler.load(b, path: "x") } }
        #expect(error?.description.contains("stack exceeds") == true)
        // LONG_BINPUT to 2^20+1 distinct indices.
        bytes = [0x80, 0x02, 0x4E]
        for i in 0...(1 << 20) { bytes.append(0x72); bytes += TestSupport.le(UInt32(i)) }
        bytes.append(0x2E)
        error = bytes.withUnsafeBytes { b in thrownError { () throws(TLError) in try RestrictedUnpickler.load(b, path: "x") } }
        #expect(error?.description.contains("memo exceeds") == true)
    }
}
