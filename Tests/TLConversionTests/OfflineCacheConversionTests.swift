import Foundation
import Testing
import TLCore
import TLFormats
import TLTestSupport

/// A model found only in the Hugging Face cache converts offline to exactly what the
/// same files give when converted from their own directory (issue 7's acceptance).
struct OfflineCacheConversionTests {
    /// Lays `model`'s files out as `huggingface_hub` does: blobs, a snapshot of relative
    /// links to them, and `refs/main` naming the snapshot's commit.
    static func makeCache(repo: String, from model: String) throws -> String {
        let cache = ConversionTests.scratch("hub-cache")
        let repoDir = "\(cache)/models--\(repo.replacingOccurrences(of: "/", with: "--"))"
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(repoDir)/blobs", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(repoDir)/snapshots/\(commit)", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(repoDir)/refs", withIntermediateDirectories: true)
        try commit.write(toFile: "\(repoDir)/refs/main", atomically: true, encoding: .utf8)
        let files = try fm.contentsOfDirectory(atPath: model).filter { FileSystem.isFile("\(model)/\($0)") }
        for (index, file) in files.sorted().enumerated() {
            let blob = String(format: "%040x", index + 1)
            try fm.copyItem(atPath: "\(model)/\(file)", toPath: "\(repoDir)/blobs/\(blob)")
            try fm.createSymbolicLink(atPath: "\(repoDir)/snapshots/\(commit)/\(file)",
                                      withDestinationPath: "../../blobs/\(blob)")
        }
        return cache
    }

    @Test(arguments: ["gpt2-sharded", "lam-gqa"])
    func offlineFromCacheEqualsFromDirectory(_ name: String) throws {
        let repo = "fixture-org/\(name)"
        let cache = try Self.makeCache(repo: repo, from: Fixtures.model(name))
        let out = ConversionTests.scratch("offline-\(name)")
        // An empty HF_ENDPOINT port: any network use would fail the conversion.
        let environment = ["HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"]
        #expect(try TLConvertProcess.run(["convert", repo, "--tl-defaults", "-o", "\(out)/cached"], environment: environment).status == 0)
        #expect(try TLConvertProcess.run(["convert", Fixtures.model(name), "--tl-defaults", "-o", "\(out)/direct"]).status == 0)

        let cached = try SafeTensorsFile(path: "\(out)/cached/model.safetensors")
        let direct = try SafeTensorsFile(path: "\(out)/direct/model.safetensors")
        #expect(cached.tensorInfos == direct.tensorInfos)
        for info in direct.tensorInfos {
            #expect(try cached.tensor(named: info.name).floats() == direct.tensor(named: info.name).floats(), "\(info.name)")
        }
        #expect(cached.metadata["source"] == repo)
        #expect(cached.metadata["revision"] == "0123456789abcdef0123456789abcdef01234567")
        // A repo id resolves anywhere, so it stays TransformerLens's tokenizer_name; a local path does not.
        #expect(try JSONParser.parseFile("\(out)/cached/config.json")["tokenizer_name"]?.stringValue == repo)
        #expect(try JSONParser.parseFile("\(out)/direct/config.json")["tokenizer_name"] == .null)
    }

    @Test func offlineWithoutTheModelInTheCacheFailsCleanly() throws {
        let cache = ConversionTests.scratch("empty-cache")
        let out = ConversionTests.scratch("offline-missing") + "/out"
        let status = try TLConvertProcess.run(["convert", "fixture-org/absent", "-o", out],
                                              environment: ["HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1"]).status
        #expect(status == 2)
        #expect(FileSystem.kind(of: out) == .missing)
    }
}
