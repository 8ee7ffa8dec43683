import Foundation
import Testing
import TLCore
@testable import TLFormats
import TLTestSupport

/// The streaming writer: header first, 8-byte aligned data, metadata, atomic rename.
struct SafeTensorsWriterTests {
    @Test func writesWhatTheReaderAndTheFixtureLayoutAgreeOn() throws {
        let reference = try CheckpointOpener.open(Fixtures.root + "/models/gpt2/model.safetensors")
        let path = TestSupport.temporaryDirectory() + "/copy.safetensors"
        let writer = try SafeTensorsWriter(path: path, tensors: reference.tensorInfos, metadata: ["format": "pt"])
        for info in reference.tensorInfos {
            #expect(!FileManager.default.fileExists(atPath: path))  // nothing at the target until finish()
            let tensor = try reference.tensor(named: info.name)
            let written: Void? = try tensor.withContiguousBytes { bytes throws(TLError) in try writer.write(name: info.name, bytes: bytes) }
            #expect(written != nil)
        }
        try writer.finish()
        let copy = try SafeTensorsFile(path: path)
        #expect(copy.tensorInfos == reference.tensorInfos)
        #expect(copy.metadata == ["format": "pt"])
        let headerLength = try ByteStorage.map(path: path).withBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect((8 + headerLength) % 8 == 0)
        for name in reference.tensorNames {
            #expect(try copy.tensor(named: name).floats() == reference.tensor(named: name).floats())
        }
    }

    @Test func writesAtDeclaredOffsetsInAnyOrder() throws {
        let reference = try CheckpointOpener.open(Fixtures.root + "/models/gpt2/model.safetensors")
        let folder = TestSupport.temporaryDirectory()
        let reversed = try SafeTensorsWriter(path: folder + "/reversed.safetensors", tensors: reference.tensorInfos)
        for info in reference.tensorInfos.reversed() {
            try reference.tensor(named: info.name).withContiguousBytes { bytes throws(TLError) in
                try reversed.write(name: info.name, bytes: bytes)
            }
        }
        try reversed.finish()
        let copy = try SafeTensorsFile(path: folder + "/reversed.safetensors")
        #expect(copy.tensorInfos == reference.tensorInfos)
        for name in reference.tensorNames {
            #expect(try copy.tensor(named: name).floats() == reference.tensor(named: name).floats(), "\(name)")
        }
    }

    @Test func refusesUndeclaredTwiceOrMissizedWritesAndLeavesNoFile() throws {
        let folder = TestSupport.temporaryDirectory()
        let path = folder + "/out.safetensors"
        let infos = [TensorInfo(name: "a", dtype: .f32, shape: [2]), TensorInfo(name: "b", dtype: .f16, shape: [3])]
        let writer = try SafeTensorsWriter(path: path, tensors: infos)
        let two = TestSupport.floats([1, 2])
        try two.withUnsafeBytes { b in
            #expect(thrownError { () throws(TLError) in try writer.write(name: "c", bytes: b) }
                    == .badTensor(name: "c", problem: "written to \(path) but not declared in its header"))
            #expect(thrownError { () throws(TLError) in try writer.write(name: "a", bytes: UnsafeRawBufferPointer(rebasing: b[0..<4])) }
                    == .badTensor(name: "a", problem: "4 bytes written, header declares 8"))
            try writer.write(name: "a", bytes: b)
            #expect(thrownError { () throws(TLError) in try writer.write(name: "a", bytes: b) }
                    == .badTensor(name: "a", problem: "written twice to \(path)"))
        }
        #expect(thrownError { () throws(TLError) in try writer.finish() }
                == .output(path: path, problem: "only 1 of 2 tensors were written"))
        writer.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        #expect(thrownError { () throws(TLError) in
            try SafeTensorsWriter(path: path, tensors: [infos[0], infos[0]])
        } == .badTensor(name: "a", problem: "declared twice for \(path)"))
    }

    @Test func encodesFloatTensorsIntoTheDeclaredDtype() throws {
        let path = TestSupport.temporaryDirectory() + "/h.safetensors"
        let writer = try SafeTensorsWriter(path: path, tensors: [TensorInfo(name: "h", dtype: .bf16, shape: [3])])
        try writer.write(name: "h", values: FloatTensor(shape: [3], values: [1, 1 + 0x1p-8, -2.5]))
        try writer.finish()
        let file = try SafeTensorsFile(path: path)
        #expect(try file.tensor(named: "h").floats() == [1, 1, -2.5])  // 1 + 2^-8 ties to even
    }
}
