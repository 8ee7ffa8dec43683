import Testing
@testable import TLFormats

/// FIPS 180-4 example digests (NIST CSRC "SHA256.pdf" / RFC 6234 test vectors).
struct SHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    @Test func standardVectors() {
        #expect(Self.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(Self.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edge cases: lengths around the 55/56/64-byte boundaries.
    @Test func chunkedUpdatesMatchOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 999] {
            let whole = Self.hex(Array(data[..<length]))
            for step in [1, 3, 64, 100] {
                var hasher = SHA256()
                var start = 0
                while start < length {
                    let end = min(length, start + step)
                    hasher.update(data[start..<end])
                    start = end
                }
                #expect(hasher.hexDigest() == whole, "length \(length), step \(step)")
            }
        }
    }

    @Test func recognisesHexDigests() {
        #expect(SHA256.isHexDigest("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        #expect(!SHA256.isHexDigest("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"))
        #expect(!SHA256.isHexDigest("7c5e2a9f0e3a1b2c4d5e6f708192a3b4c5d6e7f8"))
    }
}
