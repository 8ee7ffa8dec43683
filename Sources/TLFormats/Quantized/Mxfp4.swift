import TLCore

/// MXFP4 (OCP microscaling FP4) as the Hub's GPT-OSS checkpoints store their experts:
/// `<name>_blocks` `[experts, rows, groups, 16]` U8, two e2m1 codes a byte (low nibble first),
/// 32 values a group; `<name>_scales` `[experts, rows, groups]` U8, one e8m0 exponent a group
/// (bias 127). Rows are the weight's output features; dequantized, a weight is
/// `[experts, groups·32, rows]` (transformers transposes the `[rows, in]` it unpacks).
public enum Mxfp4 {
    /// Values a group holds.
    public static let groupSize = 32
    /// Bytes a group is packed into.
    public static let bytesPerGroup = 16

    /// The e2m1 values, by 4-bit code (bit 3 is the sign).
    static let codes: [Float] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6]

    /// The dequantized shape of blocks of `blocksShape` (`[experts, rows, groups, 16]`).
    public static func dequantizedShape(blocks blocksShape: [Int]) -> [Int] {
        [blocksShape[0], blocksShape[2] * groupSize, blocksShape[1]]
    }

    /// Dequantizes experts `experts` into `out`, `[experts.count, groups·32, rows]` row-major, in float32.
    /// Each value is code × 2^(scale − 127) formed in double precision, as torch's `ldexp` forms it:
    /// exact (two significant bits) down to 2^-128, and with a 255 scale finite up to 2^127, ±inf above
    /// and zero for a zero code (a float32 2^128 would overflow first).
    public static func dequantize(blocks: UnsafePointer<UInt8>, scales: UnsafePointer<UInt8>, rows: Int, groups: Int,
                                  experts: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let columns = groups * groupSize
        let perExpert = rows * columns
        var table = [Float](repeating: 0, count: 16)
        for (i, expert) in experts.enumerated() {
            let target = out + i * perExpert
            for row in 0..<rows {
                let unit = (expert * rows + row) * groups
                for group in 0..<groups {
                    let factor = Double(sign: .plus, exponent: Int(scales[unit + group]) - 127, significand: 1)
                    for code in 0..<16 { table[code] = Float(Double(codes[code]) * factor) }
                    let bytes = blocks + (unit + group) * bytesPerGroup
                    var column = group * groupSize
                    for b in 0..<bytesPerGroup {
                        let byte = Int(bytes[b])
                        target[column * rows + row] = table[byte & 0x0F]
                        target[(column + 1) * rows + row] = table[byte >> 4]
                        column += 2
                    }
                }
            }
        }
    }
}
