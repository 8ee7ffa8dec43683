import Foundation
import Testing
import TLCore
@testable import TLFormats

/// The zip reader on archives built by hand: zip64, deflate, and corruption.
struct ZipArchiveTests {
    let payload: [UInt8] = TestSupport.floats((0..<100).map { Float($0) })

    @Test func readsStoredAndDeflatedMembers() throws {
        for zip64 in [false, true] {
            let bytes = TestSupport.zip([.init(name: "a.bin", data: payload),
                                         .init(name: "b.bin", data: payload, deflated: true)], zip64: zip64)
            let archive = try ZipArchive(storage: ByteStorage.copying(bytes.withUnsafeBytes { $0 }), path: "t.zip")
            #expect(archive.entries.map(\.name) == ["a.bin", "b.bin"])
            for entry in archive.entries {
                let (storage, offset) = try archive.contents(of: entry)
                #expect(storage.withBytes { Array($0[offset..<(offset + entry.uncompressedSize)]) } == payload)
                #expect(try archive.prefix(of: entry, count: 7) == Array(payload.prefix(7)))
            }
            #expect(archive.entries[1].method == .deflated)
        }
    }

    private func open(_ bytes: [UInt8]) -> TLError? {
        let path = TestSupport.file(bytes, named: "t.zip")
        return thrownError { () throws(TLError) in try ZipArchive(path: path) }.map { error in
            if case .badFile(let p, let problem) = error, p == path { return .badFile(path: "t.zip", problem: problem) }
            return error
        }
    }

    @Test func refusesCorruptArchives() {
        let good = TestSupport.zip([.init(name: "a.bin", data: payload)])
        #expect(open(Array(good.prefix(good.count - 30)))
                == .badFile(path: "t.zip", problem: "corrupt zip: no end-of-central-directory record (truncated or not a zip archive)"))
        var badLocal = good
        badLocal[0] = 0x51  // break the local header signature
        #expect(open(badLocal) == .badFile(path: "t.zip", problem: "zip entry 'a.bin': no local header at offset 0 (corrupt zip)"))
        var badName = good
        badName[30] = UInt8(ascii: "X")  // local name differs from the central one
        #expect(open(badName) == .badFile(path: "t.zip", problem: "zip entry 'a.bin': local header disagrees with the central directory (name or method)"))
        let twice = TestSupport.zip([.init(name: "a", data: [1]), .init(name: "a", data: [2])])
        #expect(open(twice) == .badFile(path: "t.zip", problem: "corrupt zip: entry 'a' appears twice"))
        #expect(open([0x50, 0x4B, 0x03, 0x04]) == .badFile(path: "t.zip", problem: "corrupt zip: 4 bytes is too short for an archive"))
    }

    @Test func guardsAgainstDeflateBombs() throws {
        // Declares 50 MB from a few bytes: refused before allocating anything.
        let bomb = TestSupport.zip([.init(name: "a.npy", data: [UInt8](repeating: 0, count: 1000), deflated: true,
                                          declaredSize: 50_000_000)])
        #expect(open(bomb)?.description.contains("more than deflate can produce (zip bomb?)") == true)
        // Declares fewer bytes than the stream inflates to: stops at the declared size.
        let longer = TestSupport.zip([.init(name: "a.bin", data: payload, deflated: true, declaredSize: 100)])
        let archive = try ZipArchive(storage: ByteStorage.copying(longer.withUnsafeBytes { $0 }), path: "t.zip")
        #expect(thrownError { () throws(TLError) in try archive.contents(of: archive.entries[0]) }
                == .badFile(path: "t.zip", problem: "zip entry 'a.bin': inflates past its declared size of 100 bytes (corrupt entry or zip bomb)"))
        // Declares more than the stream holds.
        let shorter = TestSupport.zip([.init(name: "a.bin", data: payload, deflated: true, declaredSize: 500)])
        let archive2 = try ZipArchive(storage: ByteStorage.copying(shorter.withUnsafeBytes { $0 }), path: "t.zip")
        #expect(thrownError { () throws(TLError) in try archive2.contents(of: archive2.entries[0]) }
                == .badFile(path: "t.zip", problem: "zip entry 'a.bin': inflates to 400 bytes, its header declares 500"))
    }

    @Test func detectsCorruptDeflateData() throws {
        var bytes = TestSupport.zip([.init(name: "a.bin", data: payload, deflated: true)])
        let dataStart = 30 + 5
        for i in dataStart..<(dataStart + 8) { bytes[i] ^= 0xA5 }
        let archive = try ZipArchive(storage: ByteStorage.copying(bytes.withUnsafeBytes { $0 }), path: "t.zip")
        let error = thrownError { () throws(TLError) in try archive.contents(of: archive.entries[0]) }
        #expect(error.map { "\($0)".hasPrefix("t.zip: zip entry 'a.bin': ") } == true)
    }
}
