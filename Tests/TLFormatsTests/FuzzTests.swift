import Foundation
import Testing
import TLCore
@testable import TLFormats
import TLTestSupport

/// Thousands of deterministic mutations of valid inputs: each must give a clean
/// `TLError` or a valid result whose every tensor can be read — never a crash or hang.
struct FuzzTests {
    static let iterations = 2500

    /// Applies 1–4 random edits: overwrite, interesting value, insert, delete, truncate, duplicate.
    static func mutate(_ input: [UInt8], in range: Range<Int>, using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let lower = min(range.lowerBound, bytes.count - 1)
            let upper = max(lower + 1, min(range.upperBound, bytes.count))
            let at = Int.random(in: lower..<upper, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes[at] = [0, 0xFF, 0x7F, 0x80, 0x30, 0x7B][Int.random(in: 0..<6, using: &rng)]
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 3: bytes.remove(at: at)
            case 4: bytes = Array(bytes.prefix(at))
            default:
                let length = min(Int.random(in: 1...16, using: &rng), bytes.count - at)
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: at)
            }
        }
        return bytes
    }

    /// Opens mutated inputs with `open`, reads every tensor of a successful result,
    /// and returns how many inputs were refused (as a sanity check that mutation bites).
    static func run(seed: UInt64, valid: [UInt8], region: Range<Int>, iterations: Int = iterations,
                    open: (ByteStorage) throws(TLError) -> any TensorSource) -> (refused: Int, slowest: Duration) {
        var rng = SplitMix64(seed: seed)
        var refused = 0
        var slowest = Duration.zero
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            let input = mutate(valid, in: region, using: &rng)
            let storage = input.withUnsafeBytes { ByteStorage.copying($0) }
            let elapsed = clock.measure {
                do throws(TLError) {
                    let source = try open(storage)
                    for info in source.tensorInfos {
                        let tensor = try source.tensor(named: info.name)
                        #expect(tensor.shape == info.shape)
                        _ = tensor.floats().reduce(0, +)
                    }
                } catch {
                    #expect(error.exitCode == 2)
                    #expect(!error.description.isEmpty && !error.description.contains("\n"))
                    refused += 1
                }
            }
            slowest = max(slowest, elapsed)
        }
        return (refused, slowest)
    }

    @Test func mutatedSafeTensorsHeaders() throws {
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},"c":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}"#
        let valid = TestSupport.safetensors(header: header, data: [UInt8](repeating: 0x3F, count: 40))
        let result = Self.run(seed: 1, valid: valid, region: 0..<(8 + header.utf8.count)) { storage throws(TLError) in
            try SafeTensorsFile(storage: storage, path: "fuzz.safetensors")
        }
        #expect(result.refused > Self.iterations / 2)
        #expect(result.slowest < .seconds(5))
    }

    /// Mutates `pickle` inside a torch zip holding `records`, opens it and reads every tensor.
    static func runPickles(seed: UInt64, pickle: [UInt8], records: [(key: String, bytes: [UInt8])],
                           iterations: Int = iterations) -> (refused: Int, accepted: Int, slowest: Duration) {
        var rng = SplitMix64(seed: seed)
        var refused = 0, accepted = 0
        var slowest = Duration.zero
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            let zip = TestSupport.torchZip(pickle: mutate(pickle, in: 0..<pickle.count, using: &rng), records: records)
            let storage = zip.withUnsafeBytes { ByteStorage.copying($0) }
            let elapsed = clock.measure {
                do throws(TLError) {
                    let source = try TorchCheckpoint(archive: try ZipArchive(storage: storage, path: "fuzz.pt"))
                    for info in source.tensorInfos { _ = try source.tensor(named: info.name).floats() }
                    accepted += 1
                } catch {
                    #expect(error.exitCode == 2 && !error.description.contains("\n"))
                    refused += 1
                }
            }
            slowest = max(slowest, elapsed)
        }
        return (refused, accepted, slowest)
    }

    static let sixFloats: [(key: String, bytes: [UInt8])] = [("0", TestSupport.floats([1, 2, 3, 4, 5, 6]))]

    @Test func mutatedPickles() throws {
        let pickle = TestSupport.torchPickle(tensors: [("w", "0", [2, 3], [3, 1], 0, 6), ("v", "1", [3], [2], 1, 6)])
        let records = Self.sixFloats + [("1", TestSupport.floats([6, 5, 4, 3, 2, 1]))]
        let result = Self.runPickles(seed: 2, pickle: pickle, records: records)
        #expect(result.refused > Self.iterations / 2)
        #expect(result.slowest < .seconds(5))
    }

    /// Nesting near and past the depth limit, mutated: tuples turn into lists, dicts, other
    /// depths — never a tree too deep to free.
    @Test func mutatedDeepPickles() throws {
        for (seed, depth) in [(UInt64(20), 995), (21, 1005), (22, 5000)] {
            let result = Self.runPickles(seed: seed, pickle: TestSupport.nestedTuplesPickle(depth: depth), records: [],
                                         iterations: Self.iterations / 5)
            #expect(result.refused > 0)
            #expect(result.slowest < .seconds(5))
        }
    }

    /// Memo-shared layers, small enough to read (3^5 tensor paths) and far past any bound
    /// (24^15), mutated: fan-outs and layers change, every result stays bounded.
    @Test func mutatedSharedPickles() throws {
        let readable = Self.runPickles(seed: 23, pickle: TestSupport.sharedLayersPickle(layers: 5, fanout: 3, tensorLeaf: true),
                                       records: Self.sixFloats, iterations: Self.iterations / 5)
        #expect(readable.accepted > 0 && readable.refused > 0)
        #expect(readable.slowest < .seconds(5))
        let bomb = Self.runPickles(seed: 24, pickle: TestSupport.sharedLayersPickle(layers: 15, fanout: 24, tensorLeaf: true),
                                   records: Self.sixFloats, iterations: Self.iterations / 25)
        #expect(bomb.refused > 0)
        #expect(bomb.slowest < .seconds(5))
    }

    @Test func mutatedNPYHeaders() throws {
        let valid = TestSupport.npy(descr: "<f4", shape: [2, 3], data: TestSupport.floats([1, 2, 3, 4, 5, 6]))
        let result = Self.run(seed: 3, valid: valid, region: 0..<(valid.count - 24)) { storage throws(TLError) in
            try NPYFile(storage: storage, path: "fuzz.npy")
        }
        #expect(result.refused > Self.iterations / 4)
        #expect(result.slowest < .seconds(5))
    }

    @Test func mutatedZipDirectories() throws {
        let members: [TestSupport.ZipMember] = [
            .init(name: "a.npy", data: TestSupport.npy(descr: "<f4", shape: [3], data: TestSupport.floats([1, 2, 3]))),
            .init(name: "b.npy", data: TestSupport.npy(descr: "<i8", shape: [2], data: [UInt8](repeating: 1, count: 16)), deflated: true),
        ]
        for (seed, zip64) in [(UInt64(4), false), (5, true)] {
            let valid = TestSupport.zip(members, zip64: zip64)
            // The central directory and end records: everything after the last member's data.
            let directoryStart = valid.count - (zip64 ? 98 + 2 * 46 + 2 * 5 + 2 * 28 : 22 + 2 * 46 + 2 * 5)
            let result = Self.run(seed: seed, valid: valid, region: directoryStart..<valid.count) { storage throws(TLError) in
                try NPZFile(archive: try ZipArchive(storage: storage, path: "fuzz.npz"))
            }
            #expect(result.refused > Self.iterations / 2)
            #expect(result.slowest < .seconds(5))
            // Local headers and data too.
            let whole = Self.run(seed: seed + 10, valid: valid, region: 0..<valid.count) { storage throws(TLError) in
                try NPZFile(archive: try ZipArchive(storage: storage, path: "fuzz.npz"))
            }
            #expect(whole.refused > Self.iterations / 4)
        }
    }
}

/// Compressed bombs in `.npz`: a member whose header declares 64 MiB behind a stream that
/// turns to garbage, and real deflated zeros (~1000:1). Mutations change sizes, headers and
/// streams; nothing may allocate what a member merely declares.
struct CompressedBombFuzzTests {
    @Test func mutatedNPZBombs() throws {
        let header = TestSupport.npy(descr: "<f4", shape: [1 << 24], data: [])
        let zeros = TestSupport.npy(descr: "<f4", shape: [1 << 14], data: [UInt8](repeating: 0, count: 1 << 16))
        let members: [TestSupport.ZipMember] = [
            .init(name: "ids.npy", data: TestSupport.npy(descr: "<i8", shape: [2], data: [UInt8](repeating: 1, count: 16))),
            .init(name: "zeros.npy", data: zeros, deflated: true),
            TestSupport.forgedBomb(name: "bomb.npy", prefix: header, declaredSize: header.count + (1 << 26)),
        ]
        let valid = TestSupport.zip(members)
        let before = NumPyTests.peakResidentBytes()
        // The local headers and the start of each stream, then the central directory.
        let bombStream = valid.count - (22 + 3 * 46 + 7 + 9 + 8) - (1 << 26) / Inflate.maxRatio  // ≈ where its deflate data starts
        for (seed, region) in [(UInt64(30), 0..<(bombStream + 1300)), (31, (valid.count - 22 - 3 * 46 - 24)..<valid.count)] {
            let result = FuzzTests.run(seed: seed, valid: valid, region: region, iterations: FuzzTests.iterations / 2) { storage throws(TLError) in
                try NPZFile(archive: try ZipArchive(storage: storage, path: "fuzz.npz"))
            }
            #expect(result.refused > FuzzTests.iterations / 4)
            #expect(result.slowest < .seconds(5))
        }
        #expect(NumPyTests.peakResidentBytes() - before < 512 << 20)
    }
}

/// The same, seeded from files the real libraries wrote (torch's pickle, numpy's zip64 npz).
struct FixtureSeededFuzzTests {
    @Test func mutatedTorchPickleFromTorch() throws {
        let archive = try ZipArchive(path: Fixtures.root + "/containers/sample.pt")
        let top = try #require(archive.entries.first { $0.name.hasSuffix("/data.pkl") }).name.split(separator: "/")[0]
        var pickle = [UInt8](), records = [(key: String, bytes: [UInt8])]()
        for entry in archive.entries {
            let (storage, offset) = try archive.contents(of: entry)
            let bytes = storage.withBytes { Array($0[offset..<(offset + entry.uncompressedSize)]) }
            if entry.name.hasSuffix("/data.pkl") { pickle = bytes }
            if entry.name.hasPrefix("\(top)/data/") { records.append((String(entry.name.dropFirst("\(top)/data/".count)), bytes)) }
        }
        #expect(pickle.count > 100 && !records.isEmpty)
        let result = FuzzTests.runPickles(seed: 11, pickle: pickle, records: records)
        #expect(result.refused > FuzzTests.iterations / 2 && result.accepted > 0)
    }

    @Test func mutatedNumpyZip() throws {
        let valid = try ByteStorage.map(path: Fixtures.root + "/containers/sample_deflated.npz").withBytes { Array($0) }
        let result = FuzzTests.run(seed: 12, valid: valid, region: 0..<valid.count) { storage throws(TLError) in
            try NPZFile(archive: try ZipArchive(storage: storage, path: "fuzz.npz"))
        }
        #expect(result.refused > FuzzTests.iterations / 4)
        #expect(result.slowest < .seconds(5))
    }
}
