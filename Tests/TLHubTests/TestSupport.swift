import Foundation
@testable import TLHub
import TLTestSupport

/// A fresh empty folder under the system temp dir, removed by `cleanup()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tlhub-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Files the Hub never has to send for conversion; every fake repo holds them too,
/// so a test sees that they are not fetched.
let decoyFiles: [String: [UInt8]] = [
    "tf_model.h5": Array(repeating: 1, count: 3000),
    "flax_model.msgpack": Array(repeating: 2, count: 3000),
    "rust_model.ot": Array(repeating: 3, count: 3000),
    "onnx/decoder_model.onnx": Array(repeating: 4, count: 3000),
    "README.md": Array("# a model card\n".utf8),
]

/// Every file (recursively, `sub/dir/name` keys) of a fixture model folder, or nil
/// when the fixtures have not been generated.
func fixtureFiles(_ name: String) -> [String: [UInt8]]? {
    let root = Fixtures.model(name)
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return nil }
    var files: [String: [UInt8]] = [:]
    for case let relative as String in enumerator {
        var isDirectory: ObjCBool = false
        let path = root + "/" + relative
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else { continue }
        files[relative] = Array(data)
    }
    return files.isEmpty ? nil : files
}

/// The gpt2 fixture as a Hub repo (plus decoys), under `id`.
func gpt2Repo(id: String = "gpt2", commit: String = String(repeating: "a1", count: 20), token: String? = nil) throws -> FakeRepo {
    guard let files = fixtureFiles("gpt2") else { throw FixtureMissing(name: "gpt2") }
    return FakeRepo(id: id, commit: commit, files: files.merging(decoyFiles) { a, _ in a }, requiredToken: token)
}

/// A fixture model folder as a Hub repo (plus decoys), under `id`.
func fixtureRepo(_ name: String, id: String, commit: String = String(repeating: "b2", count: 20)) throws -> FakeRepo {
    guard let files = fixtureFiles(name) else { throw FixtureMissing(name: name) }
    return FakeRepo(id: id, commit: commit, files: files.merging(decoyFiles) { a, _ in a })
}

struct FixtureMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "Fixtures/models/\(name) is missing; run tools/make_fixtures.py" }
}

/// An environment pointing at the loopback Hub and a private cache.
func environment(hub: LoopbackHub?, cache: String, token: String? = nil, offline: Bool = false) -> HubEnvironment {
    HubEnvironment(endpoint: hub?.endpoint ?? "http://127.0.0.1:9", cacheDirectory: cache, token: token, offline: offline)
}

func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map(Array.init)
}

func symlinkTarget(_ path: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: path)
}
