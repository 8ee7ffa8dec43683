/// What json-c cannot report about object keys: it keeps them as C strings, so a key
/// holding `\u0000` is silently cut there (Python sees the whole key), and it keeps the
/// last of a key written twice without a word. This walks a document json-c has already
/// accepted — so only structure and strings need tracking — without recursing.
enum JSONKeyAudit {
    struct Problem: Equatable {
        enum Kind: Equatable { case nul, duplicate }
        let kind: Kind
        /// The key as Python decodes it.
        let key: String
        /// 1 for a key of the top-level object, 2 for one nested inside it, …
        let depth: Int
    }

    /// The first key holding U+0000, or (with `duplicates`) written twice in one object.
    static func firstProblem(in bytes: UnsafeRawBufferPointer, duplicates: Bool) -> Problem? {
        // Only an escape can put U+0000 in a JSON string (json-c refuses a raw NUL byte).
        guard duplicates || mayHoldNULEscape(bytes) else { return nil }
        var keys: [Set<String>?] = []  // per open container: the keys seen, nil for an array
        var expectingKey = false
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"): keys.append([]); expectingKey = true
            case UInt8(ascii: "["): keys.append(nil); expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = keys.popLast(); expectingKey = false
            case UInt8(ascii: ","): expectingKey = keys.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                guard expectingKey else { i = stringEnd(bytes, from: i); continue }
                let (key, end) = decodeString(bytes, from: i)
                i = end
                expectingKey = false
                if key.unicodeScalars.contains("\0") { return Problem(kind: .nul, key: key, depth: keys.count) }
                if duplicates, keys[keys.count - 1]?.insert(key).inserted == false {
                    return Problem(kind: .duplicate, key: key, depth: keys.count)
                }
                continue
            default: break
            }
            i += 1
        }
        return nil
    }

    private static func mayHoldNULEscape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let pattern = Array(#"\u0000"#.utf8)
        guard bytes.count >= pattern.count else { return false }
        var i = 0
        while i <= bytes.count - pattern.count {
            if bytes[i] == pattern[0], bytes[(i + 1)..<(i + pattern.count)].elementsEqual(pattern[1...]) { return true }
            i += 1
        }
        return false
    }

    /// The offset just past the string whose opening quote is at `start`.
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start + 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
        }
        return i + 1
    }

    /// The string whose opening quote is at `start`, unescaped as Python's `json` does
    /// (a lone surrogate becomes U+FFFD, as Swift strings cannot hold one), and the offset past it.
    private static func decodeString(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (String, Int) {
        var scalars = String.UnicodeScalarView()
        var raw = [UInt8]()  // unescaped UTF-8 run
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return UInt32(String(decoding: bytes[at..<(at + 4)], as: UTF8.self), radix: 16)
        }
        var i = start + 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else { raw.append(bytes[i]); i += 1; continue }
            let escaped = bytes[i + 1]
            i += 2
            switch escaped {
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "u"):
                flush()
                guard var unit = hex4(i) else { break }
                i += 4
                if (0xD800..<0xDC00).contains(unit), i + 6 <= bytes.count,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                   let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            default: raw.append(escaped)  // \" \\ \/
            }
        }
        flush()
        return (String(scalars), i + 1)
    }
}
