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
            // Float32 values are checked chunk by chunk as they are written: each chunk is then
            // still in cache when the kernel copies it (a separate pass read them from memory twice).
            return try tensor.values.withUnsafeBufferPointer { floats in
                Result { () throws(TLError) in
                    try writer.write(name: info.name, bytes: UnsafeRawBufferPointer(floats)) { offset, count throws(TLError) in
                        // A partial write may end mid-value: cover every value the byte range touches.
                        try WritableValues.check(floats, elements: offset / 4..<min(floats.count, (offset + count + 3) / 4),
                                                 name: info.name, dtype: .f32)
                    }
                }
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
