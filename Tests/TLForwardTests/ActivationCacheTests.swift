import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLTestSupport

/// Every activation of TransformerLens 2.16.1's `run_with_cache` on one prompt (GPT-2 and
/// a rotary GQA LLaMA, raw and default-processed weights) equals ours within 1e-4, under
/// the same hook names and shapes.
@Suite struct ActivationCacheTests {
    static let runs: [String] = ["gpt2/raw", "gpt2/defaults", "lam-gqa/raw", "lam-gqa/defaults"]

    @Test(arguments: runs)
    func matchesRunWithCache(run: String) throws {
        let parts = run.split(separator: "/").map(String.init)
        let (name, processing) = (parts[0], parts[1])
        let prompt = try JSONParser.parseFile(Fixtures.path("caches/\(name)/prompt.json"))
        let ids = (prompt["input_ids"]?.arrayValue ?? []).compactMap { $0.intValue }
        try #require(!ids.isEmpty, "prompt.json has no input_ids")
        let overrides = prompt["tl_cfg_overrides"]?.objectMembers ?? []
        let config = try Fixtures.config(Fixtures.reference(name, processing) + ".cfg.json", corrections: overrides)
        let weights = try CanonicalModel.load(config: Fixtures.reference(name, processing) + ".cfg.json",
                                              weights: Fixtures.reference(name, processing) + ".safetensors").weights
        let transformer = try Transformer(config: config, weights: weights)
        let recorder = ActivationRecorder()
        _ = try transformer.run(tokens: [ids], recorder: recorder)
        let cache = try SafeTensorsFile(path: Fixtures.path("caches/\(name)/\(processing).safetensors"))
        // Every hook issue 9 names is in TransformerLens's cache (unless the model has none).
        let absent = prompt["hooks_absent"]?[processing]?.arrayValue?.compactMap(\.stringValue) ?? []
        let names = Set(cache.tensorNames)
        for template in prompt["issue9_hooks"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !absent.contains(template) {
            let name = template.replacingOccurrences(of: "{l}", with: "0")
            #expect(names.contains(name), "\(run): TransformerLens cache lacks \(name)")
            #expect(recorder[name] != nil, "\(run): we did not record \(name)")
        }
        let worst = try CacheComparison.compare(recorder: recorder, cache: cache)
        print("\(run): \(cache.tensorInfos.count) hooks, max |Δ| \(worst.difference) at \(worst.name)")
        #expect(worst.difference <= 1e-4, "\(run): \(worst.name) differs by \(worst.difference)")
    }

    @Test func cacheFileRoundTrips() throws {
        let transformer = try CanonicalModel.load(directory: Fixtures.path("forward/ln-learned")).transformer()
        let recorder = ActivationRecorder(filter: HookFilter("blocks.0.*,ln_final.hook_normalized"))
        _ = try transformer.run(tokens: [[3, 1, 4, 1, 5]], recorder: recorder)
        let path = NSTemporaryDirectory() + "tlforward-cache-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try recorder.write(to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(Set(file.tensorNames) == Set(recorder.names))
        #expect(recorder.names.first == "blocks.0.hook_resid_pre")
        #expect(recorder.names.allSatisfy { $0.hasPrefix("blocks.0.") || $0 == "ln_final.hook_normalized" })
        for name in recorder.names {
            #expect(try file.tensor(named: name).float32() == recorder[name])
        }
    }
}
