import Testing
@testable import TLCore

/// Round trips and rounding rules of the 16-bit float conversions, checked
/// against values whose encodings are fixed by IEEE 754 / bfloat16.
struct HalfPrecisionTests {
    @Test func everyF16PatternWidensAndNarrowsBack() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.f16ToFloat(bits)
            if value.isNaN { #expect(HalfPrecision.floatToF16(value) & 0x7C00 == 0x7C00); continue }
            #expect(HalfPrecision.floatToF16(value) == bits, "f16 pattern \(bits)")
        }
    }

    @Test func everyBF16PatternWidensAndNarrowsBack() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.bf16ToFloat(bits)
            if value.isNaN { #expect(HalfPrecision.floatToBF16(value).isBF16NaN); continue }
            #expect(HalfPrecision.floatToBF16(value) == bits, "bf16 pattern \(bits)")
        }
    }

    @Test func knownF16Encodings() {
        #expect(HalfPrecision.floatToF16(1.0) == 0x3C00)
        #expect(HalfPrecision.floatToF16(-2.0) == 0xC000)
        #expect(HalfPrecision.floatToF16(65504) == 0x7BFF)
        #expect(HalfPrecision.floatToF16(65520) == 0x7C00)  // rounds up to inf
        #expect(HalfPrecision.floatToF16(0x1p-24) == 0x0001)  // smallest subnormal
        #expect(HalfPrecision.floatToF16(0x1p-25) == 0x0000)  // tie → even (zero)
        #expect(HalfPrecision.floatToF16(0x1.8p-25) == 0x0001)
        #expect(HalfPrecision.floatToF16(0x1.8p-24) == 0x0002)  // 1.5 ulp tie → even
    }

    @Test func narrowingRoundsToNearestEven() {
        // 1 + 2^-11 is halfway between f16 1.0 and 1.0+2^-10: ties to even (1.0).
        #expect(HalfPrecision.floatToF16(1 + 0x1p-11) == 0x3C00)
        // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9: ties to even (up).
        #expect(HalfPrecision.floatToF16(1 + 3 * 0x1p-11) == 0x3C02)
        #expect(HalfPrecision.floatToBF16(1 + 0x1p-8) == 0x3F80)
        #expect(HalfPrecision.floatToBF16(1 + 3 * 0x1p-8) == 0x3F82)
        #expect(HalfPrecision.floatToBF16(1 + 0x1.2p-8) == 0x3F81)
    }
}

private extension UInt16 {
    var isBF16NaN: Bool { (self & 0x7F80) == 0x7F80 && (self & 0x7F) != 0 }
}
