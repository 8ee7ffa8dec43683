import Foundation
import Testing
import TLCore
import TLFormats
import TLConversion
import TLTestSupport

/// `tlconvert run` as a user runs it (the built binary), against what TransformerLens 2.16.1
/// computed for the same prompt: `run_with_cache` activations (Fixtures/caches/<case>/
/// {raw,defaults}.safetensors) and the prompt's tokens and top-k next tokens (prompt.json,
/// written by tools/fixture_caches.py).
struct RunCommandTests {
    static let cacheCases = ["gpt2", "lam-gqa"]
    static let processings = ["raw", "defaults"]
    static let tolerance: Float = 1e-4

    static func prompt(_ name: String) throws -> JSONValue {
        try JSONParser.parseFile("\(Fixtures.root)/caches/\(name)/prompt.json")
    }

    static func flags(_ processing: String) -> [String] { processing == "defaults" ? ["--tl-defaults"] : [] }

    /// The largest |Δ| over two tensors of equal shape; -inf (TransformerLens's masked
    /// attention scores) must sit at the same places. nil when the shapes or the infinities differ.
    static func maxDifference(_ a: FloatTensor, _ b: FloatTensor) -> Float? {
        guard a.shape == b.shape else { return nil }
        var worst: Float = 0
        for (x, y) in zip(a.values, b.values) {
            if x.isFinite != y.isFinite || (!x.isFinite && x != y) { return nil }
            if x.isFinite { worst = max(worst, abs(x - y)) }
        }
        return worst
    }

    /// Every activation of `file` equals the reference cache (same names, shapes, values within 1e-4).
    static func expectCacheMatches(_ file: String, reference name: String, _ processing: String,
                                   only selected: Set<String>? = nil) throws -> Float {
        let ours = try SafeTensorsFile(path: file)
        let theirs = try SafeTensorsFile(path: "\(Fixtures.root)/caches/\(name)/\(processing).safetensors")
        let expected = selected ?? Set(theirs.tensorNames)
        #expect(Set(ours.tensorNames) == expected, "\(name) \(processing): hook names differ")
        var worst: Float = 0
        for hook in expected.sorted() where ours.tensorNames.contains(hook) {
            let diff = maxDifference(try ours.tensor(named: hook).float32(), try theirs.tensor(named: hook).float32())
            #expect(diff != nil && diff! <= tolerance, "\(name) \(processing) \(hook): max |Δ| \(String(describing: diff))")
            worst = max(worst, diff ?? .infinity)
        }
        return worst
    }

    // MARK: The activation cache

    @Test(arguments: cacheCases, processings)
    func cacheEqualsTransformerLens(name: String, processing: String) throws {
        let info = try Self.prompt(name)
        let text = try #require(info["text"]?.stringValue)
        let dir = ConversionTests.scratch("run-\(name)-\(processing)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/cache.safetensors"
        let result = try TLConvertProcess.run(["run", Fixtures.model(name), "--prompt", text, "--json", "--cache", cache]
                                        + Self.flags(processing))
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        #expect(json["input_ids"]?.arrayValue?.compactMap(\.intValue) == info["input_ids"]?.arrayValue?.compactMap(\.intValue))
        let worst = try Self.expectCacheMatches(cache, reference: name, processing)
        print("run --cache \(name) \(processing): max |Δ| vs TransformerLens \(worst)")

        let metadata = try SafeTensorsFile(path: cache).metadata
        #expect(metadata["prompt"] == text)
        #expect(metadata["model"]?.hasSuffix("models/\(name)") == true)
        #expect(metadata["tlconvert_version"] == TLConvertVersion.string)
        #expect(metadata["fold_ln"] == (processing == "defaults" ? "true" : "false"))
        #expect(metadata["center_unembed"] == (processing == "defaults" ? "true" : "false"))
        #expect(metadata["refactor_factored_attn_matrices"] == "false")
    }

    @Test func hooksSelectWhatTheCacheHolds() throws {
        let text = try #require(try Self.prompt("lam-gqa")["text"]?.stringValue)
        let dir = ConversionTests.scratch("run-hooks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/cache.safetensors"
        let result = try TLConvertProcess.run(["run", Fixtures.model("lam-gqa"), "--prompt", text, "--cache", cache,
                                         "--hooks", "blocks.*.attn.hook_pattern, ln_final.*,blocks.1.hook_resid_p?st"])
        #expect(result.status == 0, "\(result.stderr)")
        let selected: Set<String> = ["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern",
                                     "ln_final.hook_scale", "ln_final.hook_normalized", "blocks.1.hook_resid_post"]
        _ = try Self.expectCacheMatches(cache, reference: "lam-gqa", "raw", only: selected)
    }

    /// A directory written by `convert --tl-defaults` runs as written and its cache records its flags.
    @Test func convertedDirectoryRunsAsWritten() throws {
        let text = try #require(try Self.prompt("gpt2")["text"]?.stringValue)
        let dir = ConversionTests.scratch("run-converted")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let converted = try TLConvertProcess.run(["convert", Fixtures.model("gpt2"), "-o", dir + "/model", "--tl-defaults"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let result = try TLConvertProcess.run(["run", dir + "/model", "--prompt", text, "--cache", dir + "/cache.safetensors"])
        #expect(result.status == 0, "\(result.stderr)")
        _ = try Self.expectCacheMatches(dir + "/cache.safetensors", reference: "gpt2", "defaults")
        #expect(try SafeTensorsFile(path: dir + "/cache.safetensors").metadata["fold_ln"] == "true")
        // Processing flags on an already converted directory are refused.
        let again = try TLConvertProcess.run(["run", dir + "/model", "--prompt", text, "--fold-ln"])
        #expect(again.status == 2 && again.stderr.contains("already processed"), "\(again.stderr)")
    }

    // MARK: Tokens and top-k

    @Test(arguments: cacheCases, processings)
    func topKEqualsTransformerLens(name: String, processing: String) throws {
        let info = try Self.prompt(name)
        let text = try #require(info["text"]?.stringValue)
        let reference = try #require(info["top_k"]?[processing])
        let ids = try #require(reference["ids"]?.arrayValue).compactMap(\.intValue)
        let probs = try #require(reference["probs"]?.arrayValue).compactMap(\.doubleValue)
        let logits = try #require(reference["logits"]?.arrayValue).compactMap(\.doubleValue)
        let result = try TLConvertProcess.run(["run", Fixtures.model(name), "--prompt", text, "--json", "--top-k", String(ids.count)]
                                        + Self.flags(processing))
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        #expect(json["tokens"]?.arrayValue?.compactMap(\.stringValue)
                == info["str_tokens"]?.arrayValue?.compactMap(\.stringValue))
        let top = try #require(json["top_k"]?.arrayValue)
        try #require(top.count == ids.count)
        var worstProb = 0.0, worstLogit = 0.0
        for (rank, entry) in top.enumerated() {
            #expect(entry["rank"]?.intValue == rank)
            let logit = try #require(entry["logit"]?.doubleValue), prob = try #require(entry["prob"]?.doubleValue)
            worstLogit = max(worstLogit, abs(logit - logits[rank]))
            worstProb = max(worstProb, abs(prob - probs[rank]))
            // The same token at each rank, unless TransformerLens's own logits there are a near tie.
            let tied = (rank > 0 && abs(logits[rank] - logits[rank - 1]) < 1e-4)
                || (rank + 1 < logits.count && abs(logits[rank] - logits[rank + 1]) < 1e-4)
            #expect(entry["id"]?.intValue == ids[rank] || tied, "\(name) \(processing) rank \(rank)")
        }
        #expect(worstLogit < 1e-4 && worstProb < 1e-6, "max |Δ logit| \(worstLogit), max |Δ prob| \(worstProb)")
        print("run --top-k \(name) \(processing): max |Δ logit| \(worstLogit), max |Δ prob| \(worstProb)")
    }

    /// The table starts with the very line TransformerLens's `utils.test_prompt` prints, then
    /// lists the same tokens, rank by rank, as test_prompt's "Top Nth token" lines.
    @Test(arguments: processings)
    func tableReadsLikeTestPrompt(processing: String) throws {
        let info = try Self.prompt("gpt2")
        let text = try #require(info["text"]?.stringValue)
        let printed = try #require(info["test_prompt_output"]?[processing]?.stringValue).split(separator: "\n")
        let result = try TLConvertProcess.run(["run", Fixtures.model("gpt2"), "--prompt", text] + Self.flags(processing))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == printed.first)
        let theirs = printed.filter { $0.hasPrefix("Top ") }
        let ours = lines.dropFirst(3)
        try #require(ours.count == 10 && theirs.count == 10, "\(result.stdout)")
        for (row, line) in zip(ours, theirs) {
            // "Top 3th token. Logit:  1.40 Prob:  0.83% Token: |s|" against "   3   83  's'   0.83%   1.40".
            let fields = row.split(separator: " ")
            #expect(line.contains("Top \(fields[0])th token."))
            #expect(line.contains("Prob: " + String(repeating: " ", count: max(0, 6 - fields[fields.count - 2].count))
                                  + fields[fields.count - 2]), "\(row) vs \(line)")
            #expect(line.contains(String(format: "Logit: %5.2f", Double(fields[fields.count - 1]) ?? .nan)), "\(row) vs \(line)")
        }
    }

    /// Longer than n_ctx: the first n_ctx tokens of `to_tokens` (BOS included) run, and the cut is reported.
    @Test func longPromptKeepsTheFirstNCtxTokens() throws {
        let gpt2 = Fixtures.model("gpt2")
        let text = String(repeating: "layer norm ", count: 60)
        let nCtx = try #require(try JSONParser.parseFile(gpt2 + "/config.json")["n_positions"]?.intValue)
        let tokens = try TLConvertProcess.run(["tokenize", gpt2, "--text", text, "--prepend-bos", "--json"])
        let all = try #require(try JSONParser.parse(tokens.stdout, path: "stdout")["ids"]?.arrayValue).compactMap(\.intValue)
        try #require(all.count > nCtx)
        let result = try TLConvertProcess.run(["run", gpt2, "--prompt", text, "--json", "--top-k", "1"])
        #expect(result.status == 0 && result.stderr.contains("kept the first n_ctx = \(nCtx)"), "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        #expect(json["input_ids"]?.arrayValue?.compactMap(\.intValue) == Array(all.prefix(nCtx)))
        #expect(json["dropped_tokens"]?.intValue == all.count - nCtx)
    }

    // MARK: Bad input

    static func expectOneLineFailure(_ result: TLConvertProcess.Output, mentioning text: String) {
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stderr.contains(text), "\(result.stderr)")
    }

    @Test func emptyPromptIsBOSAloneOrRefused() throws {
        // TransformerLens's to_tokens("") is [BOS] when BOS is prepended: one position to predict from.
        let gpt2 = try TLConvertProcess.run(["run", Fixtures.model("gpt2"), "--prompt", "", "--json", "--top-k", "3"])
        #expect(gpt2.status == 0, "\(gpt2.stderr)")
        let json = try JSONParser.parse(gpt2.stdout, path: "stdout")
        let bos = try #require(Self.prompt("gpt2")["str_tokens"]?.arrayValue?.first?.stringValue)
        #expect(json["tokens"]?.arrayValue?.compactMap(\.stringValue) == [bos])
        #expect(json["top_k"]?.arrayValue?.count == 3)
        // Qwen models prepend no BOS: nothing to run, said in one line.
        Self.expectOneLineFailure(try TLConvertProcess.run(["run", Fixtures.model("qwen2"), "--prompt", ""]),
                                  mentioning: "gives no tokens")
        // Without BOS a prompt still runs.
        let noBOS = try TLConvertProcess.run(["run", Fixtures.model("gpt2"), "--prompt", "The", "--no-prepend-bos", "--json"])
        #expect(try JSONParser.parse(noBOS.stdout, path: "stdout")["tokens"]?.arrayValue?.compactMap(\.stringValue) == ["T", "he"])
    }

    @Test func badInputExitsTwoInOneLine() throws {
        let gpt2 = Fixtures.model("gpt2")
        let dir = ConversionTests.scratch("run-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Self.expectOneLineFailure(try TLConvertProcess.run(["run", "no-such-model-xyz", "--prompt", "hi", "--offline"]),
                                  mentioning: "no-such-model-xyz")
        Self.expectOneLineFailure(try TLConvertProcess.run(["run", dir + "/missing", "--prompt", "hi"]), mentioning: "missing")
        #expect(try TLConvertProcess.run(["run", gpt2]).status == 2, "--prompt is required")
        #expect(try TLConvertProcess.run(["run", gpt2, "--prompt", "hi", "--top-k", "0"]).status == 2)
        #expect(try TLConvertProcess.run(["run", gpt2, "--prompt", "hi", "--hooks", "hook_embed"]).status == 2,
                "--hooks without --cache")
        let cache = dir + "/cache.safetensors"
        Self.expectOneLineFailure(try TLConvertProcess.run(["run", gpt2, "--prompt", "hi", "--cache", cache, "--hooks", "nothing.*"]),
                                  mentioning: "matches no hook point")
        Self.expectOneLineFailure(try TLConvertProcess.run(["run", gpt2, "--prompt", "hi", "--cache", dir + "/no/such/dir/c.safetensors"]),
                                  mentioning: "no/such/dir")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).isEmpty, "nothing half-written")
        // More top-k than the vocabulary: all of it, ranked.
        let all = try TLConvertProcess.run(["run", gpt2, "--prompt", "hi", "--json", "--top-k", "100000"])
        #expect(all.status == 0)
        let vocab = try JSONParser.parseFile(gpt2 + "/config.json")["vocab_size"]?.intValue
        #expect(try JSONParser.parse(all.stdout, path: "stdout")["top_k"]?.arrayValue?.count == vocab)
    }
}
