import Foundation
import TLCore
import TLFormats
import TLForward
import TLTestSupport

/// Temporary files and canonical model folders for the verify tests.
enum Support {
    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "tlverify-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes tensors to a safetensors file.
    static func writeSafeTensors(_ tensors: [(String, Tensor)], to path: String) throws {
        let writer = try SafeTensorsWriter(path: path, tensors: tensors.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) })
        for (name, tensor) in tensors {
            guard let bytes = tensor.contiguousBytes else { continue }
            try writer.write(name: name, bytes: bytes)
        }
        try writer.finish()
    }

    static func int64Tensor(_ values: [Int64], shape: [Int]) -> Tensor {
        let storage = ByteStorage.allocate(count: values.count * 8)
        values.withUnsafeBytes { storage.mutableBase.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return Tensor(dtype: .i64, shape: shape, storage: storage)
    }

    /// A canonical directory (config.json + model.safetensors) from a fixture's TransformerLens
    /// weights, optionally with one tensor scaled.
    static func canonicalDirectory(case name: String, processing: String, scaling: (tensor: String, by: Float)? = nil) throws -> String {
        let dir = try temporaryDirectory()
        let base = Fixtures.reference(name, processing)
        try FileManager.default.copyItem(atPath: base + ".cfg.json", toPath: dir + "/config.json")
        let source = try SafeTensorsFile(path: base + ".safetensors")
        var tensors = [(String, Tensor)]()
        for info in source.tensorInfos {
            var values = try source.tensor(named: info.name).float32()
            if let scaling, scaling.tensor == info.name { values.values = values.values.map { $0 * scaling.by } }
            tensors.append((info.name, values.encoded(as: .f32)))
        }
        try writeSafeTensors(tensors, to: dir + "/model.safetensors")
        return dir
    }
}
