import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLHub
import TLTestSupport

/// Downloads from a loopback Hub (started here, 127.0.0.1 only) into a private cache.
struct HubDownloadTests {
    static let converted = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                            "special_tokens_map.json", "vocab.json", "merges.txt", "generation_config.json"]

    /// The expected blob name of a served file: X-Linked-Etag (sha256) for LFS files, the ETag otherwise.
    static func etag(_ repo: FakeRepo, _ file: String) -> String {
        let content = repo.files[file] ?? []
        return repo.isLFS(file) ? LoopbackHub.sha256(content) : LoopbackHub.gitBlobID(content)
    }

    static func resolver(_ hub: LoopbackHub?, _ cache: TemporaryFolder, token: String? = nil, offline: Bool = false,
                         progress: ProgressDisplay = .silent) -> ModelResolver {
        ModelResolver(environment: environment(hub: hub, cache: cache.path, token: token, offline: offline), progress: progress)
    }

    @Test func downloadByAliasWritesTheStandardCacheLayout() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let resolved = try Self.resolver(hub, cache).resolve("gpt2-small")
        let folder = cache.path + "/models--gpt2"
        #expect(resolved == ResolvedModel(directory: folder + "/snapshots/" + repo.commit, repoID: "gpt2", revision: "main",
                                          commit: repo.commit, zooEntry: resolved.zooEntry, origin: .download))
        #expect(resolved.zooEntry?.name == "gpt2")

        // refs/main holds the commit, without a newline.
        #expect(contents(folder + "/refs/main") == Array(repo.commit.utf8))
        // Exactly the files conversion needs, each a relative link to its blob.
        let listed = try FileManager.default.contentsOfDirectory(atPath: resolved.directory).sorted()
        #expect(listed == Self.converted.sorted())
        for file in Self.converted {
            let etag = Self.etag(repo, file)
            #expect(symlinkTarget(resolved.directory + "/" + file) == "../../blobs/" + etag, "\(file)")
            #expect(contents(folder + "/blobs/" + etag) == repo.files[file], "\(file)")
            #expect(contents(resolved.directory + "/" + file) == repo.files[file], "\(file)")
        }
        let blobs = try FileManager.default.contentsOfDirectory(atPath: folder + "/blobs")
        #expect(blobs.count == Self.converted.count)
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
        // The lock files live where huggingface_hub keeps them.
        #expect(FileManager.default.fileExists(atPath: cache.path + "/.locks/models--gpt2/" + Self.etag(repo, "model.safetensors") + ".lock"))

        // Nothing else was asked for: no TF/Flax/ONNX/Rust copies, no README, no extras.
        let paths = hub.requests.map(\.path)
        for unwanted in ["tf_model.h5", "flax_model.msgpack", "rust_model.ot", "onnx", "README.md", "hf_logits", "/tl/"] {
            #expect(!paths.contains { $0.contains(unwanted) }, "\(unwanted) was requested")
        }
        #expect(paths.first == "/api/models/gpt2/revision/main")
        #expect(hub.requests.allSatisfy { $0.headers["authorization"] == nil })
    }

    @Test func cachedModelsResolveWithoutTheNetwork() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let first = try Self.resolver(hub, cache).resolve("gpt2")
        hub.clearLog()
        let again = try Self.resolver(hub, cache).resolve("GPT2-SMALL")
        #expect(again.origin == .cache && again.directory == first.directory && again.commit == repo.commit)
        #expect(hub.requests.isEmpty)

        // --offline, and HF_HUB_OFFLINE with no Hub at all.
        let offline = try Self.resolver(hub, cache).resolve("gpt2", offline: true)
        #expect(offline.origin == .cache && offline.directory == first.directory)
        let noHub = try Self.resolver(nil, cache, offline: true).resolve("gpt2")
        #expect(noHub.directory == first.directory)
        #expect(hub.requests.isEmpty)
    }

    @Test func offlineSaysWhatTheCacheLacks() throws {
        let repo = try fixtureRepo("gpt2-sharded", id: "EleutherAI/pythia-70m")
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        #expect(throws: TLError.notFound("EleutherAI/pythia-70m is not in the Hugging Face cache (--offline): no \(cache.path)/models--EleutherAI--pythia-70m; run without --offline to download it")) {
            try Self.resolver(hub, cache).resolve("pythia-70m", offline: true)
        }
        #expect(hub.requests.isEmpty)

        let resolved = try Self.resolver(hub, cache).resolve("pythia-70m")
        let shard = try CheckpointFiles.shards(ofIndex: resolved.directory + "/model.safetensors.index.json")[1]
        try FileManager.default.removeItem(atPath: resolved.directory + "/" + shard)
        hub.clearLog()
        do {
            _ = try Self.resolver(nil, cache, offline: true).resolve("pythia-70m")
            Issue.record("resolved with a shard missing")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.description.contains("HF_HUB_OFFLINE is set"))
            #expect(error.description.contains("lacks \(shard) (listed in model.safetensors.index.json)"))
        }
        do {
            _ = try Self.resolver(nil, cache).resolve("pythia-70m", revision: "v1.0", offline: true)
            Issue.record("resolved an uncached revision")
        } catch {
            #expect(error.description.contains("at revision 'v1.0'") && error.description.contains("no refs/v1.0"))
        }
        // Online, the gap is filled from the blob already in the cache: no transfer.
        let healed = try Self.resolver(hub, cache).resolve("pythia-70m")
        #expect(healed.origin == .download)
        #expect(!hub.requests.contains { $0.method == "GET" && $0.path.hasPrefix("/cdn/") })
    }

    @Test func interruptedTransferLeavesNoCorruptFileAndResumes() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let weights = try #require(repo.files["model.safetensors"])
        let sha = LoopbackHub.sha256(weights)
        let blob = cache.path + "/models--gpt2/blobs/" + sha
        let snapshot = cache.path + "/models--gpt2/snapshots/" + repo.commit

        hub.dropConnection(repo: "gpt2", file: "model.safetensors", after: 40_000)
        do {
            _ = try Self.resolver(hub, cache).resolve("gpt2")
            Issue.record("an interrupted download succeeded")
        } catch {
            guard case .network(let line) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(line.hasPrefix("downloading gpt2/model.safetensors stopped after 40.0 kB of "))
            #expect(line.hasSuffix("run the command again to resume"))
            #expect(error.exitCode == 2)
        }
        #expect(symlinkTarget(snapshot + "/model.safetensors") == nil)
        #expect(!FileManager.default.fileExists(atPath: blob))
        #expect(contents(blob + ".incomplete") == Array(weights.prefix(40_000)))

        hub.clearLog()
        let resolved = try Self.resolver(hub, cache).resolve("gpt2")
        #expect(contents(resolved.directory + "/model.safetensors") == weights)
        #expect(!FileManager.default.fileExists(atPath: blob + ".incomplete"))
        let resumed = hub.requests.filter { $0.method == "GET" && $0.path == "/cdn/" + sha }
        #expect(resumed.count == 1 && resumed.first?.headers["range"] == "bytes=40000-")
    }

    @Test func aWrongPartialFileIsCaughtByTheHashAndDiscarded() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let weights = try #require(repo.files["model.safetensors"])
        let blob = cache.path + "/models--gpt2/blobs/" + LoopbackHub.sha256(weights)
        try FileManager.default.createDirectory(atPath: cache.path + "/models--gpt2/blobs", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: blob + ".incomplete", contents: Data(repeating: 0xEE, count: 1000))

        do {
            _ = try Self.resolver(hub, cache).resolve("gpt2")
            Issue.record("a corrupt download was accepted")
        } catch {
            #expect(error.description.contains("does not match the ETag"))
        }
        #expect(!FileManager.default.fileExists(atPath: blob))
        #expect(!FileManager.default.fileExists(atPath: blob + ".incomplete"))
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/models--gpt2/snapshots/\(repo.commit)/model.safetensors"))

        let resolved = try Self.resolver(hub, cache).resolve("gpt2")
        #expect(contents(resolved.directory + "/model.safetensors") == weights)
    }

    @Test func gatedRepoNeedsHFToken() throws {
        let repo = try gpt2Repo(id: "acme/gated-model", token: "hf_secret")
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        #expect(throws: TLError.network("acme/gated-model: the repo is gated or private (HTTP 401); set HF_TOKEN to a token of an account with access (https://huggingface.co/settings/tokens)")) {
            try Self.resolver(hub, cache).resolve("acme/gated-model")
        }
        do {
            _ = try Self.resolver(hub, cache, token: "hf_wrong").resolve("acme/gated-model")
            Issue.record("a wrong token was accepted")
        } catch {
            #expect(error.description.contains("the token in HF_TOKEN was refused"))
        }
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/models--acme--gated-model/snapshots"))

        hub.clearLog()
        let resolved = try Self.resolver(hub, cache, token: "hf_secret").resolve("acme/gated-model")
        #expect(contents(resolved.directory + "/model.safetensors") == repo.files["model.safetensors"])
        let hubRequests = hub.requests.filter { !$0.cdn }
        let cdnRequests = hub.requests.filter { $0.cdn }
        #expect(!hubRequests.isEmpty && hubRequests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
        // The token goes to the Hub only, never to the origin a file is redirected to.
        #expect(!cdnRequests.isEmpty && cdnRequests.allSatisfy { $0.headers["authorization"] == nil })
    }

    @Test func shardedReposFetchTheIndexAndEveryShard() throws {
        let repo = try fixtureRepo("gpt2-sharded", id: "EleutherAI/pythia-70m")
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let resolved = try Self.resolver(hub, cache).resolve("pythia-70m")
        #expect(resolved.directory == cache.path + "/models--EleutherAI--pythia-70m/snapshots/" + repo.commit)
        #expect(CheckpointFiles.missing(in: resolved.directory).isEmpty)
        let shards = try CheckpointFiles.shards(ofIndex: resolved.directory + "/model.safetensors.index.json")
        #expect(shards.count >= 2)
        for file in ["model.safetensors.index.json"] + shards {
            #expect(contents(resolved.directory + "/" + file) == repo.files[file], "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: resolved.directory + "/model.safetensors"))

        // Offline, the cached snapshot reads as the same checkpoint as the fixture folder.
        let offline = try Self.resolver(nil, cache, offline: true).resolve("pythia-70m")
        let cached = try CheckpointOpener.open(offline.directory)
        let original = try CheckpointOpener.open(Fixtures.model("gpt2-sharded"))
        #expect(cached.tensorInfos == original.tensorInfos)
        for info in original.tensorInfos {
            let a = try cached.tensor(named: info.name).contiguousBytes.map(Array.init)
            let b = try original.tensor(named: info.name).contiguousBytes.map(Array.init)
            #expect(a != nil && a == b, "\(info.name)")
        }
    }

    @Test func pytorchBinReposFetchTheBinFile() throws {
        let repo = try fixtureRepo("gpt2-bin", id: "someone/gpt2-bin")
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let resolved = try Self.resolver(hub, cache).resolve("someone/gpt2-bin")
        #expect(resolved.zooEntry == nil && resolved.repoID == "someone/gpt2-bin")
        #expect(contents(resolved.directory + "/pytorch_model.bin") == repo.files["pytorch_model.bin"])
        #expect(symlinkTarget(resolved.directory + "/pytorch_model.bin") == "../../blobs/" + Self.etag(repo, "pytorch_model.bin"))
        #expect(CheckpointFiles.missing(in: resolved.directory).isEmpty)
    }

    @Test func revisionsByCommitAndUnknownOnes() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let pinned = try Self.resolver(hub, cache).resolve("gpt2", revision: repo.commit)
        #expect(pinned.commit == repo.commit && pinned.revision == repo.commit)
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/models--gpt2/refs/" + repo.commit))
        #expect(try Self.resolver(nil, cache).resolve("gpt2", revision: repo.commit, offline: true).origin == .cache)

        #expect(throws: TLError.notFound("gpt2: revision 'no-such-branch' not found on \(hub.endpoint)")) {
            try Self.resolver(hub, cache).resolve("gpt2", revision: "no-such-branch")
        }
        #expect(throws: TLError.self) { try Self.resolver(hub, cache).resolve("gpt2", revision: "../../x") }
        #expect(throws: TLError.self) { try Self.resolver(hub, cache).resolve("nobody/no-model") }
    }

    @Test func networkFailureIsOneClearLine() throws {
        let cache = try TemporaryFolder()
        defer { cache.cleanup() }
        // A port nothing listens on: the loopback Hub is started and stopped first.
        let hub = try LoopbackHub(repos: [])
        let endpoint = hub.endpoint
        hub.stop()
        let resolver = ModelResolver(environment: HubEnvironment(endpoint: endpoint, cacheDirectory: cache.path), progress: .silent)
        do {
            _ = try resolver.resolve("gpt2")
            Issue.record("resolved with no Hub")
        } catch {
            guard case .network(let line) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(line.hasPrefix(endpoint + "/api/models/gpt2/revision/main: "))
            #expect(!line.contains("\n"))
        }
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/models--gpt2/snapshots"))
    }

    @Test func localDirectoriesComeFirst() throws {
        let fixture = Fixtures.model("gpt2")
        let local = try ModelResolver(environment: HubEnvironment(endpoint: "http://127.0.0.1:9", cacheDirectory: "/nonexistent"),
                                      progress: .silent).resolve(fixture)
        #expect(local == ResolvedModel(directory: fixture, repoID: nil, revision: nil, commit: nil, zooEntry: nil, origin: .localDirectory))
        let empty = try TemporaryFolder()
        defer { empty.cleanup() }
        #expect(throws: TLError.badFile(path: empty.path, problem: "not a model directory: no config.json")) {
            try ModelResolver.resolve(empty.path)
        }
        #expect(throws: TLError.notFound("./no/such/dir: no such directory")) { try ModelResolver.resolve("./no/such/dir") }
        #expect(throws: TLError.self) { try ModelResolver().download(fixture) }
    }

    @Test func downloadRefreshesFromTheHubAndReusesCachedFiles() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }

        let first = try Self.resolver(hub, cache).download("gpt2-small")
        #expect(first.origin == .download)
        hub.clearLog()
        let second = try Self.resolver(hub, cache).download("gpt2-small")
        #expect(second.directory == first.directory)
        #expect(hub.requests.map(\.path) == ["/api/models/gpt2/revision/main"])
    }

    @Test func progressIsReportedOnTheGivenOutput() throws {
        let repo = try gpt2Repo()
        let hub = try LoopbackHub(repos: [repo])
        let quietCache = try TemporaryFolder()
        let barCache = try TemporaryFolder()
        defer { hub.stop(); quietCache.cleanup(); barCache.cleanup() }

        let lines = TextCollector()
        _ = try Self.resolver(hub, quietCache, progress: .custom(terminal: false, output: { lines.append($0) })).resolve("gpt2")
        let text = lines.text
        // Small files: one line each.
        let size = DownloadProgress.size(try #require(repo.files["model.safetensors"]).count)
        #expect(text.contains("downloaded gpt2/model.safetensors (\(size))\n"))
        #expect(text.contains("downloaded gpt2/config.json ("))
        #expect(!text.contains("\r"))

        let bar = TextCollector()
        _ = try Self.resolver(hub, barCache, progress: .custom(terminal: true, output: { bar.append($0) })).resolve("gpt2")
        #expect(bar.text.contains("\r\u{1B}[Kgpt2/model.safetensors [########################] "))
        #expect(bar.text.contains("(100%)"))
    }
}

/// Collects progress text from the delegate queue.
final class TextCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ text: String) { lock.lock(); parts.append(text); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
}
