import TLCore

/// The check every converted tensor passes before it is written: all values finite, and
/// none so large that it rounds to infinity in the output dtype (float16's largest finite
/// value is 65504; bfloat16's about 3.39e38). A checkpoint holding NaN or infinity, or a
/// `--dtype` that cannot hold its values, is broken input, refused rather than passed on.
enum WritableValues {
    /// Throws naming `name`, the first offending element and its value.
    static func check(_ values: [Float], name: String, dtype: DType) throws(TLError) {
        try values.withUnsafeBufferPointer { buffer throws(TLError) in
            try check(buffer, elements: 0..<buffer.count, name: name, dtype: dtype)
        }
    }

    /// `check` of the values at `elements` only (element indices in errors count from the tensor's first).
    static func check(_ values: UnsafeBufferPointer<Float>, elements: Range<Int>, name: String, dtype: DType) throws(TLError) {
        let limit = roundingLimit(dtype)
        guard let base = values.baseAddress, !elements.isEmpty,
              let found = firstOutside(UnsafeBufferPointer(start: base + elements.lowerBound, count: elements.count), limit: limit)
        else { return }
        let index = elements.lowerBound + found
        let value = values[index]
        if !value.isFinite {
            let kind = value.isNaN ? "NaN" : value > 0 ? "+infinity" : "-infinity"
            throw .badTensor(name: name, problem: "holds \(kind) at element \(index): NaN and infinite weights are refused")
        }
        throw .badTensor(name: name, problem: "value \(value) at element \(index) overflows \(dtype.torchName) "
                         + "(its largest finite value is \(largestFinite(dtype))); write float32 or bfloat16")
    }

    /// The smallest magnitude that does not stay finite in `dtype` (round to nearest even).
    private static func roundingLimit(_ dtype: DType) -> Float {
        switch dtype {
        case .f16: return 65520                               // halfway from 65504 to 65536, rounds to inf
        case .bf16: return Float(bitPattern: 0x7F7F_8000)     // halfway from bf16's largest to inf
        default: return .infinity
        }
    }

    private static func largestFinite(_ dtype: DType) -> Float {
        switch dtype {
        case .f16: return 65504
        case .bf16: return Float(bitPattern: 0x7F7F_0000)
        default: return .greatestFiniteMagnitude
        }
    }

    /// The first index whose magnitude is not below `limit` (NaN never is), sixteen lanes at a time.
    private static func firstOutside(_ v: UnsafeBufferPointer<Float>, limit: Float) -> Int? {
        let lanes = 16, whole = v.count / lanes * lanes
        let upper = SIMD16<Float>(repeating: limit), lower = -upper
        guard let base = v.baseAddress else { return nil }
        var start = 0
        while start < whole {
            // Only a block that fails is looked at element by element.
            var inside = SIMDMask<SIMD16<Int32>>(repeating: true)
            var block = start
            let end = min(start + 4096, whole)
            while block < end {
                let x = UnsafeRawPointer(base + block).loadUnaligned(as: SIMD16<Float>.self)
                inside = inside .& (x .< upper) .& (x .> lower)
                block += lanes
            }
            if !all(inside) { break }
            start = end
        }
        for i in start..<v.count where !(abs(v[i]) < limit) { return i }
        return nil
    }
}
