import Testing
import TLCore
import TLFormats
import TLTestSupport

/// The MXFP4 unpacker against transformers' `convert_moe_packed_tensors` over every byte under every
/// e8m0 scale (Fixtures/mxfp4/codebook.safetensors): nibble order, the code table, the scale's whole
/// range (2^-127 … 2^128) and the transpose to `[experts, in, out]`.
struct Mxfp4Tests {
    @Test func everyByteUnderEveryScaleUnpacksAsTransformersDoes() throws {
        let file = try SafeTensorsFile(path: Fixtures.path("mxfp4/codebook.safetensors"))
        let blocks = try file.tensor(named: "blocks"), scales = try file.tensor(named: "scales")
        let expected = try file.tensor(named: "dequantized")
        #expect(Mxfp4.dequantizedShape(blocks: blocks.shape) == expected.shape)
        let bytes = blocks.integers().map(UInt8.init), exponents = scales.integers().map(UInt8.init)
        var out = [Float](repeating: .nan, count: expected.shape.reduce(1, *))
        bytes.withUnsafeBufferPointer { b in
            exponents.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    Mxfp4.dequantize(blocks: b.baseAddress!, scales: s.baseAddress!, rows: blocks.shape[1],
                                     groups: blocks.shape[2], experts: 0..<blocks.shape[0], into: o.baseAddress!)
                }
            }
        }
        let reference = expected.floats()
        let differing = zip(out, reference).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }
        #expect(differing.isEmpty, "\(differing.count) values differ, first \(differing.first.map { "\($0)" } ?? "")")
        #expect(reference.contains(.infinity) && reference.contains(-.infinity))
    }
}
