/// Element-wise conversion between stored dtypes and float32.
public enum TensorConversion {
    @inline(__always)
    static func element(_ base: UnsafeRawPointer, dtype: DType, at index: Int) -> Float {
        let p = base + index * dtype.byteSize
        switch dtype {
        case .f32: return p.loadUnaligned(as: Float.self)
        case .f16: return HalfPrecision.f16ToFloat(p.loadUnaligned(as: UInt16.self))
        case .bf16: return HalfPrecision.bf16ToFloat(p.loadUnaligned(as: UInt16.self))
        case .f64: return Float(p.loadUnaligned(as: Double.self))
        case .i64: return Float(p.loadUnaligned(as: Int64.self))
        case .i32: return Float(p.loadUnaligned(as: Int32.self))
        case .i16: return Float(p.loadUnaligned(as: Int16.self))
        case .i8: return Float(p.loadUnaligned(as: Int8.self))
        case .u8, .bool: return Float(p.loadUnaligned(as: UInt8.self))
        }
    }

    /// Widens `count` contiguous elements to float32.
    public static func widen(_ source: UnsafeRawPointer, dtype: DType, count: Int,
                             into destination: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32:
            // A raw copy: mapped data need not be 4-byte aligned.
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count {
                destination[i] = HalfPrecision.f16ToFloat((source + 2 * i).loadUnaligned(as: UInt16.self))
            }
        case .bf16:
            for i in 0..<count {
                destination[i] = HalfPrecision.bf16ToFloat((source + 2 * i).loadUnaligned(as: UInt16.self))
            }
        default:
            for i in 0..<count { destination[i] = element(source, dtype: dtype, at: i) }
        }
    }

    /// Narrows float32 values into `dtype` bytes (round to nearest even for 16-bit floats;
    /// integers truncate toward zero and saturate).
    public static func narrow(_ values: UnsafeBufferPointer<Float>, to dtype: DType,
                              into destination: UnsafeMutableRawPointer) {
        switch dtype {
        case .f32:
            guard let source = values.baseAddress else { return }
            destination.copyMemory(from: source, byteCount: values.count * 4)
        case .f16:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: HalfPrecision.floatToF16(v), toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bf16:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: HalfPrecision.floatToBF16(v), toByteOffset: 2 * i, as: UInt16.self)
            }
        case .f64:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: Double(v), toByteOffset: 8 * i, as: Double.self)
            }
        case .i64:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: saturatingInt64(Double(v)), toByteOffset: 8 * i, as: Int64.self)
            }
        case .i32:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: Int32(clamping: saturatingInt64(Double(v))), toByteOffset: 4 * i, as: Int32.self)
            }
        case .i16:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: Int16(clamping: saturatingInt64(Double(v))), toByteOffset: 2 * i, as: Int16.self)
            }
        case .i8:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: Int8(clamping: saturatingInt64(Double(v))), toByteOffset: i, as: Int8.self)
            }
        case .u8:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: UInt8(clamping: saturatingInt64(Double(v))), toByteOffset: i, as: UInt8.self)
            }
        case .bool:
            for (i, v) in values.enumerated() {
                destination.storeBytes(of: UInt8(v != 0 ? 1 : 0), toByteOffset: i, as: UInt8.self)
            }
        }
    }

    /// Truncates toward zero like a torch integer cast, but never traps: NaN becomes 0 and
    /// out-of-range values clamp (values come from files, which may hold anything).
    @inline(__always)
    public static func saturatingInt64(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223372036854775807e18 { return .max }
        if value <= -9.223372036854775808e18 { return .min }
        return Int64(value.rounded(.towardZero))
    }
}
