import TLCore
import TLFormats

/// Writes canonical float32 tensors into the output file in their declared dtype:
/// float32 straight from the array, 16-bit types through one reused encoding buffer.
/// Owned and used by the writer thread alone.
final class TensorEncoder {
    private let writer: SafeTensorsWriter
    private var encoded: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)

    init(writer: SafeTensorsWriter) {
        self.writer = writer
    }

    deinit { encoded.deallocate() }

    func write(_ tensor: FloatTensor, as info: TensorInfo) throws(TLError) {
        if info.dtype == .f32 || info.byteCount == 0 {
            return try tensor.values.withUnsafeBytes { bytes in
                Result { () throws(TLError) in try writer.write(name: info.name, bytes: bytes) }
            }.get()
        }
        if encoded.count < info.byteCount {
            encoded.deallocate()
            encoded = .allocate(byteCount: info.byteCount, alignment: 16)
        }
        let target = encoded
        tensor.values.withUnsafeBufferPointer { TensorConversion.narrow($0, to: info.dtype, into: target.baseAddress!) }
        try writer.write(name: info.name, bytes: UnsafeRawBufferPointer(rebasing: target[0..<info.byteCount]))
    }
}
