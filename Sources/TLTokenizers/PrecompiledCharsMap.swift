import Foundation
import TLCore

/// SentencePiece's compiled normalisation rules (`precompiled_charsmap` of a `Precompiled`
/// normalizer, base64): a little-endian `u32` byte size, a Darts-clone double-array trie of
/// that size whose keys are UTF-8 source strings and whose values are offsets into the
/// NUL-separated replacement strings that follow it.
///
/// Applied as `tokenizers` applies it: each extended grapheme cluster shorter than 6 bytes is
/// looked up whole; otherwise (or when that finds nothing) each of its characters is. A lookup
/// takes the first (shortest) key that prefixes the looked-up text, and the whole text is replaced.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let replacements: [UInt8]

    init(base64 text: String, file: String) throws(TLError) {
        guard let data = Data(base64Encoded: text) else {
            throw .badFile(path: file, problem: "normalizer: precompiled_charsmap is not valid base64")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else {
            throw .badFile(path: file, problem: "normalizer: precompiled_charsmap is shorter than its 4-byte header")
        }
        let size = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard size > 0, size % 4 == 0, size <= bytes.count - 4 else {
            throw .badFile(path: file, problem: "normalizer: precompiled_charsmap declares a \(size)-byte trie in \(bytes.count - 4) bytes")
        }
        var units = [UInt32](repeating: 0, count: size / 4)
        for i in units.indices {
            let b = 4 + 4 * i
            units[i] = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
        }
        let replacements = Array(bytes[(4 + size)...])
        guard String(validating: replacements, as: UTF8.self) != nil else {
            throw .badFile(path: file, problem: "normalizer: precompiled_charsmap's replacement strings are not UTF-8")
        }
        self.units = units
        self.replacements = replacements
    }

    /// `text` with every rule applied.
    func normalize(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for grapheme in text {
            let bytes = Array(String(grapheme).utf8)
            if bytes.count < 6, let replacement = lookup(bytes[...]) {
                out += replacement
                continue
            }
            for scalar in grapheme.unicodeScalars {
                let part = Array(String(scalar).utf8)
                if let replacement = lookup(part[...]) { out += replacement } else { out += part }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The replacement of the shortest key prefixing `key`, nil when none does.
    private func lookup(_ key: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let value = firstPrefixValue(key), value < replacements.count else { return nil }
        let end = replacements[value...].firstIndex(of: 0) ?? replacements.count
        return replacements[value..<end]
    }

    /// Darts-clone's common-prefix search, stopped at its first result.
    private func firstPrefixValue(_ key: ArraySlice<UInt8>) -> Int? {
        guard let root = units.first else { return nil }
        var position = Self.offset(root)
        for byte in key {
            if byte == 0 { return nil }
            position ^= Int(byte)
            guard position < units.count else { return nil }
            let unit = units[position]
            // label: the byte, plus the high bit that marks a leaf unit (never a match).
            guard unit & (1 << 31 | 0xFF) == UInt32(byte) else { return nil }
            position ^= Self.offset(unit)
            if (unit >> 8) & 1 == 1 {
                guard position < units.count else { return nil }
                return Int(units[position] & ((1 << 31) - 1))
            }
        }
        return nil
    }

    private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }
}
