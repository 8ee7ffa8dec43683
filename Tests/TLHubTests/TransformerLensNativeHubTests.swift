import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLHub
import TLTestSupport

/// `tlconvert convert` of NeelNanda's toy models by zoo name through a loopback Hub: the repos
/// hold TransformerLens's config.json, a *final.pth and training checkpoints; only the config
/// and the one `.pth` conversion needs are fetched.
@Suite struct TransformerLensNativeHubTests {
    static let repos = [
        "solu-2l": "NeelNanda/SoLU_2L512W_C4_Code",
        "attn-only-1l": "NeelNanda/Attn_Only_1L512W_C4_Code",
        "solu-1l-old": "NeelNanda/SoLU_1L_v9_old",
    ]

    /// `name[@step]`: the zoo name, and a `--checkpoint-value`.
    @Test(arguments: ["solu-2l", "attn-only-1l", "solu-1l-old", "attn-only-1l@200"])
    func convertsByZooName(_ run: String) throws {
        let parts = run.split(separator: "@").map(String.init)
        let name = parts[0], step = parts.count > 1 ? parts[1] : nil
        let id = try #require(Self.repos[name])
        let repo = try fixtureRepo("../tl-native/\(name)/repo", id: id)
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let out = cache.path + "/out"
        let arguments = ["convert", name, "-o", out] + (step.map { ["--checkpoint-value", $0] } ?? [])
        let result = try TLConvertProcess.run(arguments, environment: ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path,
                                                                       "HF_HUB_OFFLINE": "0"])
        #expect(result.status == 0, "\(run): \(result.stderr)")
        let fetched = Set(hub.requests.filter { !$0.cdn && $0.method == "GET" }.compactMap { request -> String? in
            guard let range = request.path.range(of: "/resolve/") else { return nil }
            return request.path[range.upperBound...].split(separator: "/", maxSplits: 1).last.map(String.init)
        })
        let stem = String(id.split(separator: "/")[1])
        let weights = step.map { "checkpoints/\(stem)_\($0).pth" } ?? "\(stem)_final.pth"
        #expect(fetched == ["config.json", weights], "\(run): fetched \(fetched.sorted())")
        let config = try JSONParser.parseFile(out + "/config.json")
        #expect(config["model_name"]?.stringValue == stem)
        #expect(config["original_architecture"]?.stringValue == (name.hasSuffix("-old") ? "neel-solu-old" : "neel"))
        #expect(config["checkpoint_value"]?.intValue == step.flatMap { Int($0) })
        #expect(config["tokenizer_name"]?.stringValue == "EleutherAI/gpt-neox-20b")
    }

    @Test func unknownCheckpointValueIsOneLine() throws {
        let repo = try fixtureRepo("../tl-native/attn-only-1l/repo", id: "NeelNanda/Attn_Only_1L512W_C4_Code")
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let result = try TLConvertProcess.run(["convert", "attn-only-1l", "-o", cache.path + "/out", "--checkpoint-value", "7"],
                                              environment: ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path])
        #expect(result.status == 2)
        #expect(result.stderr == "tlconvert: --checkpoint-value 7 is not a checkpoint of NeelNanda/Attn_Only_1L512W_C4_Code; available: 100, 200\n")
    }

    /// Pythia's checkpoints are `step{V}` revisions: `--checkpoint-value 512` fetches that one.
    @Test func pythiaCheckpointValueIsARevision() throws {
        var repo = try fixtureRepo("neox", id: "EleutherAI/pythia-70m")
        repo.branches = ["step512"]
        let hub = try LoopbackHub(repos: [repo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let out = cache.path + "/out"
        let result = try TLConvertProcess.run(["convert", "pythia-70m", "--checkpoint-value", "512", "-o", out],
                                              environment: ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(hub.requests.contains { $0.path == "/api/models/EleutherAI/pythia-70m/revision/step512" })
        #expect(FileManager.default.fileExists(atPath: cache.path + "/models--EleutherAI--pythia-70m/refs/step512"))
        let config = try JSONParser.parseFile(out + "/config.json")
        #expect(config["from_checkpoint"]?.boolValue == true && config["checkpoint_index"]?.intValue == 10)
        #expect(config["checkpoint_value"]?.intValue == 512 && config["checkpoint_label_type"]?.stringValue == "step")
        let bad = try TLConvertProcess.run(["convert", "pythia-70m", "--checkpoint-value", "513", "-o", out + "2"],
                                           environment: ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path])
        #expect(bad.status == 2 && bad.stderr.hasPrefix("tlconvert: --checkpoint-value 513 is not a checkpoint of EleutherAI/pythia-70m; available: 0, 1, 2, 4, 8, 16, …"))
    }

    @Test func pythiaAndCRFMCheckpointsAreRevisions() throws {
        let (pythia, whereP) = try TrainingCheckpoints.select(.value(512), repo: "EleutherAI/pythia-70m", files: [])
        #expect(pythia == TrainingCheckpoint(index: 10, value: 512, labelType: "step") && whereP == .revision("step512"))
        let (crfm, whereC) = try TrainingCheckpoints.select(.index(-1), repo: "stanford-crfm/alias-gpt2-small-x21", files: [])
        #expect(crfm.value == 400_000 && whereC == .revision("checkpoint-400000"))
        #expect(TrainingCheckpoints.stanfordCRFM.count == 609 && TrainingCheckpoints.pythia.count == 154)
        #expect(throws: TLError.self) { try TrainingCheckpoints.select(.value(3), repo: "EleutherAI/pythia-70m-v0", files: []) }
        #expect(throws: TLError.self) { try TrainingCheckpoints.select(.value(0), repo: "gpt2", files: []) }
    }
}

/// `tlconvert run --cache` on a converted attention-only toy model: its repo has no tokenizer, so
/// the one its config names (`tokenizer_name`) is fetched, tokenizer files only, as TransformerLens
/// loads it; every activation equals TransformerLens's `run_with_cache` on the same prompt.
@Suite struct TransformerLensNativeRunTests {
    @Test func runCacheMatchesRunWithCache() throws {
        let tokenizerRepo = try fixtureRepo("gpt2", id: "EleutherAI/gpt-neox-20b")
        let hub = try LoopbackHub(repos: [tokenizerRepo])
        let cache = try TemporaryFolder()
        defer { hub.stop(); cache.cleanup() }
        let fixture = Fixtures.path("tl-native/attn-only-1l")
        let out = cache.path + "/converted", cacheFile = cache.path + "/cache.safetensors"
        let environment = ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path]
        let convert = try TLConvertProcess.run(["convert", fixture + "/repo", "-o", out], environment: environment)
        #expect(convert.status == 0, "\(convert.stderr)")
        let prompt = try JSONParser.parseFile(fixture + "/tl/prompt.json")
        let text = try #require(prompt["prompt"]?.stringValue)
        let run = try TLConvertProcess.run(["run", out, "--prompt", text, "--cache", cacheFile], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let fetched = Set(hub.requests.filter { !$0.cdn && $0.method == "GET" && $0.path.contains("/resolve/") }
            .compactMap { $0.path.split(separator: "/").last.map(String.init) })
        #expect(fetched.isSubset(of: Set(CheckpointFiles.tokenizerFiles)) && fetched.contains("tokenizer.json"), "\(fetched)")

        let ours = try SafeTensorsFile(path: cacheFile)
        let ids = (prompt["input_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        #expect(ours.metadata["input_ids"] == "[" + ids.map(String.init).joined(separator: ", ") + "]")
        let theirs = try SafeTensorsFile(path: fixture + "/tl/cache.safetensors")
        #expect(Set(ours.tensorNames) == Set(theirs.tensorNames))
        var worst: Float = 0
        for name in theirs.tensorNames where ours.contains(name) {
            let a = try ours.tensor(named: name), b = try theirs.tensor(named: name)
            #expect(a.shape == b.shape, "\(name)")
            worst = max(worst, zip(a.floats(), b.floats()).map { abs($0 - $1) }.max() ?? 0)
        }
        print("attn-only-1l run --cache: \(theirs.tensorInfos.count) hooks, max |Δ| \(worst)")
        #expect(worst <= 1e-4)

        // tokenize on the repo itself: the same tokenizer, now from the cache (no request).
        hub.clearLog()
        let tokenize = try TLConvertProcess.run(["tokenize", fixture + "/repo", "--text", text, "--prepend-bos", "--json"],
                                                environment: environment)
        #expect(tokenize.status == 0, "\(tokenize.stderr)")
        let json = try JSONParser.parse(tokenize.stdout, path: "stdout")
        // to_tokens (and so the cache) keeps the first n_ctx = 16 of them.
        #expect(Array((json["ids"]?.arrayValue ?? []).compactMap(\.intValue).prefix(ids.count)) == ids)
        #expect(hub.requests.isEmpty)
    }
}
