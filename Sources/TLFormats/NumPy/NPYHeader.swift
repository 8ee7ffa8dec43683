import TLCore

/// The header of a NumPy `.npy` array (format versions 1, 2 and 3): magic, version,
/// header length, then a Python dict literal with `descr`, `fortran_order` and `shape`.
public struct NPYHeader: Sendable, Equatable {
    public let dtype: DType
    public let shape: [Int]
    public let fortranOrder: Bool
    /// Offset of the array data from the start of the `.npy` bytes.
    public let dataOffset: Int

    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy itself refuses headers over 10 000 bytes by default; allow generous room.
    public static let maxHeaderBytes = 1 << 20

    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 6 && bytes.prefix(6).elementsEqual(magic)
    }

    /// Bytes needed to parse the header (magic through dict), from its first 12 bytes.
    public static func headerSize(_ prefix: UnsafeRawBufferPointer, path: String) throws(TLError) -> Int {
        var cursor = ByteCursor(prefix, path: path)
        guard hasMagic(prefix) else {
            throw cursor.fail(prefix.isEmpty ? "empty file, not a .npy array" : "not a .npy array (no \\x93NUMPY magic)")
        }
        try cursor.skip(6, "the .npy magic")
        let major = try cursor.u8("the .npy version")
        _ = try cursor.u8("the .npy version")
        switch major {
        case 1: return 10 + Int(try cursor.u16("the .npy header length"))
        case 2, 3:
            let length = try cursor.u32("the .npy header length")
            guard length <= UInt32(maxHeaderBytes) else {
                throw cursor.fail(".npy header length \(length) exceeds \(maxHeaderBytes) bytes")
            }
            return 12 + Int(length)
        default: throw cursor.fail(".npy format version \(major) is not supported (1–3)")
        }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(TLError) -> NPYHeader {
        func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }
        let size = try headerSize(bytes, path: path)
        guard size <= bytes.count else {
            throw fail("truncated: .npy header of \(size) bytes runs past the end (\(bytes.count) bytes)")
        }
        let start = bytes[6] == 1 ? 10 : 12
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<size])
        var parser = PythonLiteralParser(text: Array(text), fail: { fail(".npy header: \($0)") })
        let literal = try parser.parseDocument()
        guard case .dict(let members) = literal else { throw fail(".npy header is not a dict") }
        var descr: String?, fortran: Bool?, shape: [Int]?
        for (key, value) in members {
            switch (key, value) {
            case ("descr", .string(let s)): descr = s
            case ("descr", _): throw fail("structured .npy dtypes are not supported")
            case ("fortran_order", .bool(let b)): fortran = b
            case ("shape", .tuple(let items)):
                var dims = [Int]()
                var elements = 1
                for item in items {
                    guard case .int(let d) = item, d >= 0 else { throw fail(".npy shape holds a non-integer or negative value") }
                    let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                    guard !overflow, product <= Int.max / 16 else { throw fail(".npy shape is impossibly large") }
                    elements = product
                    dims.append(d)
                }
                shape = dims
            default: throw fail(".npy header has unexpected key '\(key)'")
            }
        }
        guard let descr, let fortran, let shape else {
            throw fail(".npy header lacks one of descr, fortran_order, shape")
        }
        return NPYHeader(dtype: try dtype(descr, fail: fail), shape: shape, fortranOrder: fortran, dataOffset: size)
    }

    /// NumPy type strings → our dtypes; byte order must be little-endian (or irrelevant).
    static func dtype(_ descr: String, fail: (String) -> TLError) throws(TLError) -> DType {
        guard let order = descr.first, descr.count >= 3 else { throw fail("unknown .npy dtype '\(descr)'") }
        let code = String(descr.dropFirst())
        let table: [String: DType] = ["f8": .f64, "f4": .f32, "f2": .f16, "i8": .i64, "i4": .i32,
                                      "i2": .i16, "i1": .i8, "u1": .u8, "b1": .bool]
        guard let dtype = table[code] else {
            throw fail("unsupported .npy dtype '\(descr)' (supported: f8 f4 f2 i8 i4 i2 i1 u1 b1)")
        }
        switch order {
        case "<", "|", "=": return dtype
        case ">" where dtype.byteSize == 1: return dtype
        case ">": throw fail("big-endian .npy dtype '\(descr)' is not supported")
        default: throw fail("unknown .npy dtype '\(descr)'")
        }
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    /// Element strides: row-major, or column-major when `fortran_order` is set.
    public var strides: [Int] {
        guard fortranOrder else { return Tensor.contiguousStrides(shape) }
        var strides = [Int]()
        var running = 1
        for dim in shape { strides.append(running); running *= dim }
        return strides
    }
}

/// The subset of Python literal syntax `.npy` headers use: dicts, tuples, strings,
/// integers, True/False/None.
struct PythonLiteralParser {
    enum Literal: Equatable {
        case dict([(String, Literal)])
        case tuple([Literal])
        case string(String)
        case int(Int)
        case bool(Bool)
        case none

        static func == (a: Literal, b: Literal) -> Bool {
            switch (a, b) {
            case let (.tuple(x), .tuple(y)): return x == y
            case let (.string(x), .string(y)): return x == y
            case let (.int(x), .int(y)): return x == y
            case let (.bool(x), .bool(y)): return x == y
            case (.none, .none): return true
            case let (.dict(x), .dict(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }
    }

    let text: [UInt8]
    let fail: (String) -> TLError
    var position = 0
    var depth = 0

    init(text: [UInt8], fail: @escaping (String) -> TLError) {
        self.text = text
        self.fail = fail
    }

    mutating func parseDocument() throws(TLError) -> Literal {
        let value = try parseValue()
        skipSpace()
        guard position == text.count else { throw fail("unexpected text after the dict") }
        return value
    }

    private mutating func skipSpace() {
        while position < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[position]) { position += 1 }
    }

    private mutating func peek() -> UInt8? {
        skipSpace()
        return position < text.count ? text[position] : nil
    }

    private mutating func expect(_ byte: UInt8) throws(TLError) {
        guard peek() == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))' at offset \(position)") }
        position += 1
    }

    private mutating func parseValue() throws(TLError) -> Literal {
        guard depth < 16 else { throw fail("nested too deeply") }
        depth += 1
        defer { depth -= 1 }
        guard let byte = peek() else { throw fail("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"):
            position += 1
            var members = [(String, Literal)]()
            while peek() != UInt8(ascii: "}") {
                guard case .string(let key) = try parseValue() else { throw fail("dict key is not a string") }
                try expect(UInt8(ascii: ":"))
                members.append((key, try parseValue()))
                if peek() == UInt8(ascii: ",") { position += 1 } else { break }
            }
            try expect(UInt8(ascii: "}"))
            return .dict(members)
        case UInt8(ascii: "("):
            position += 1
            var items = [Literal]()
            while peek() != UInt8(ascii: ")") {
                items.append(try parseValue())
                if peek() == UInt8(ascii: ",") { position += 1 } else { break }
            }
            try expect(UInt8(ascii: ")"))
            return .tuple(items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            position += 1
            let start = position
            while position < text.count, text[position] != byte {
                guard text[position] != UInt8(ascii: "\\") else { throw fail("escapes in strings are not supported") }
                position += 1
            }
            guard position < text.count else { throw fail("unterminated string") }
            let value = String(decoding: text[start..<position], as: UTF8.self)
            position += 1
            return .string(value)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var value = 0
            while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(text[position] - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw fail("integer too large") }
                value = sum
                position += 1
            }
            if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }  // Python 2 longs
            return .int(value)
        default:
            for (word, literal) in [("True", Literal.bool(true)), ("False", .bool(false)), ("None", .none)]
            where text[position...].starts(with: word.utf8) {
                position += word.utf8.count
                return literal
            }
            throw fail("unexpected character at offset \(position)")
        }
    }
}
