import Foundation
import Testing
import TLCore
import TLFormats
import TLModel
import TLTestSupport

/// BERT as TransformerLens's `HookedEncoder`, through the built binary, against the references
/// tools/make_bert_fixtures.py wrote with transformers 4.57 and TransformerLens 2.16.1:
/// `bert` (a BertForPreTraining file whose config says BertForMaskedLM), `bert-gamma` and
/// `bert-gamma-bin` (LayerNorm `gamma`/`beta`, safetensors and torch zip; same weights) and
/// `bert-model` (a bare BertModel: no prefix, no heads).
struct BertTests {
    static let headed = ["bert", "bert-gamma", "bert-gamma-bin"]

    static func convert(_ name: String, _ extra: [String] = []) throws -> (dir: String, output: TLConvertProcess.Output) {
        let dir = ConversionTests.scratch("bert-\(name)")
        let out = dir + "/out"
        let result = try TLConvertProcess.run(["convert", Fixtures.model(name), "-o", out] + extra)
        return (out, result)
    }

    static func weights(_ path: String) throws -> [String: FloatTensor] {
        let file = try SafeTensorsFile(path: path)
        var out = [String: FloatTensor]()
        for name in file.tensorNames { out[name] = try file.tensor(named: name).float32() }
        return out
    }

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text, path: "stdout") }

    // MARK: Conversion

    /// Names, shapes and values of HookedEncoder.state_dict() (parameters), and its config.
    @Test(arguments: headed + ["bert-model"])
    func weightsAndConfigEqualTransformerLens(name: String) throws {
        let (out, result) = try Self.convert(name)
        defer { try? FileManager.default.removeItem(atPath: out + "/..") }
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try Self.weights(out + "/model.safetensors")
        let theirs = try Self.weights(Fixtures.reference("bert", "raw") + ".safetensors")
        // A bare BertModel has the encoder only.
        let expected = name == "bert-model"
            ? Set(theirs.keys.filter { $0.hasPrefix("embed.") || $0.hasPrefix("blocks.") }) : Set(theirs.keys)
        #expect(Set(ours.keys) == expected)
        var worst: Float = 0
        for key in expected {
            let (a, b) = (try #require(ours[key]), try #require(theirs[key]))
            #expect(a.shape == b.shape, "\(name) \(key)")
            for (x, y) in zip(a.values, b.values) { worst = max(worst, abs(x - y)) }
        }
        #expect(worst <= 1e-6, "\(name): max |Δ| \(worst)")

        var config = try CanonicalModelConfig.load(out + "/config.json")
        var reference = try Fixtures.referenceConfig("bert", "raw")
        // Paths differ by design: the case's own name, and no tokenizer_name for a local directory.
        (config.modelName, config.tokenizerName) = ("bert", nil)
        reference.tokenizerName = nil
        if name == "bert-model" {
            #expect(config.originalArchitecture == "BertModel")
            config.originalArchitecture = reference.originalArchitecture
            #expect(result.stderr.contains("note: BertModel has no MLM or NSP head"))
        }
        #expect(config == reference)
        #expect(config.modelClass == .hookedEncoder)
    }

    /// TransformerLens processes no HookedEncoder: every flag is refused with one line.
    @Test func processingFlagsAreRefused() throws {
        for flag in ["--fold-ln", "--tl-defaults", "--center-unembed"] {
            let (out, result) = try Self.convert("bert", [flag])
            #expect(result.status == 2, "\(flag)")
            #expect(result.stderr.contains("TransformerLens applies no processing to HookedEncoder"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: out), "nothing written for \(flag)")
        }
    }

    // MARK: Verify

    /// MLM logits (token types, a padded row) equal transformers', from the checkpoint and converted.
    @Test(arguments: headed)
    func logitsEqualTransformers(name: String) throws {
        let reference = Fixtures.model(name) + "/hf_logits.safetensors"
        let (out, converted) = try Self.convert(name)
        defer { try? FileManager.default.removeItem(atPath: out + "/..") }
        #expect(converted.status == 0, "\(converted.stderr)")
        for source in [Fixtures.model(name), out] {
            let result = try TLConvertProcess.run(["verify", source, "--reference", reference, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try Self.json(result.stdout)
            let diff = try #require(report["max_logprob_diff"]?.doubleValue)
            #expect(diff <= 1e-4 && report["pass"]?.boolValue == true, "\(name) \(source): max |Δ log-prob| \(diff)")
            #expect(report["positions"]?.intValue == 32)
            print("verify \(name) (\(source == out ? "converted" : "checkpoint")): max |Δ log-prob| \(diff)")
        }
    }

    /// A model without heads is compared on its final hidden state; --save-logits writes it.
    @Test func hiddenStatesEqualTransformers() throws {
        let reference = Fixtures.model("bert-model") + "/hf_logits.safetensors"
        let (out, converted) = try Self.convert("bert-model")
        defer { try? FileManager.default.removeItem(atPath: out + "/..") }
        #expect(converted.status == 0, "\(converted.stderr)")
        for source in [Fixtures.model("bert-model"), out] {
            let saved = out + "/../hidden.safetensors"
            let result = try TLConvertProcess.run(["verify", source, "--reference", reference, "--json",
                                                   "--save-logits", saved, "--force"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try Self.json(result.stdout)
            let cosine = try #require(report["cosine_min"]?.doubleValue)
            #expect(cosine >= 0.99999 && report["pass"]?.boolValue == true)
            #expect(report["positions"]?.intValue == 32)
            for key in ["mse", "max_abs_diff", "cosine_mean"] { #expect(report[key]?.doubleValue != nil, "\(key)") }
            let file = try SafeTensorsFile(path: saved)
            #expect(file.tensorNames == ["hidden_states"])
            #expect(file.tensorInfos.first?.shape == [2, 17, 32])
            print("verify bert-model (\(source == out ? "converted" : "checkpoint")): hidden states cosine_min \(cosine)")
        }
        // A headless model needs hidden_states: a logits-only dump is one clear line.
        let bad = try TLConvertProcess.run(["verify", out, "--reference", Fixtures.model("bert") + "/hf_logits.safetensors"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("no 'hidden_states' tensor"))
    }

    /// A safetensors file of little-endian I64 and F32 tensors, written by hand.
    static func writeDump(_ path: String, _ tensors: [(name: String, shape: [Int], ints: [Int64]?, floats: [Float]?)]) throws {
        var header = [String]()
        var data = [UInt8]()
        for t in tensors {
            let start = data.count
            if let ints = t.ints { for v in ints { withUnsafeBytes(of: v.littleEndian) { data += $0 } } }
            if let floats = t.floats { for v in floats { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } } }
            header.append("\"\(t.name)\":{\"dtype\":\"\(t.ints != nil ? "I64" : "F32")\",\"shape\":\(t.shape),\"data_offsets\":[\(start),\(data.count)]}")
        }
        var json = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        try Data(bytes + json + data).write(to: URL(fileURLWithPath: path))
    }

    /// Bad token types in a dump are one line naming the tensor (exit 2).
    @Test func badTokenTypesAreRefused() throws {
        let dir = ConversionTests.scratch("bert-bad-dump")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dump = dir + "/dump.safetensors"
        try Self.writeDump(dump, [("input_ids", [1, 3], [2, 5, 3], nil),
                                  ("logits", [1, 3, 405], nil, [Float](repeating: 0, count: 3 * 405)),
                                  ("token_type_ids", [1, 3], [0, 2, 0], nil)])
        let result = try TLConvertProcess.run(["verify", Fixtures.model("bert"), "--reference", dump])
        #expect(result.status == 2)
        #expect(result.stderr.contains("token_type_ids holds 2"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    // MARK: Run and cache

    static func runReference() throws -> JSONValue { try JSONParser.parseFile(Fixtures.model("bert") + "/tl/run.json") }

    /// `run` shows TransformerLens's [MASK] predictions and top-k, and --cache equals run_with_cache.
    @Test func runShowsTransformerLensPredictions() throws {
        let reference = try Self.runReference()
        let prompt = try #require(reference["prompt"]?.stringValue)
        let dir = ConversionTests.scratch("bert-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/cache.safetensors"
        let result = try TLConvertProcess.run(["run", Fixtures.model("bert"), "--prompt", prompt, "--top-k", "5",
                                               "--json", "--cache", cache])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try Self.json(result.stdout)
        #expect(ours["input_ids"]?.arrayValue?.compactMap(\.intValue) == reference["input_ids"]?.arrayValue?.compactMap(\.intValue))
        #expect(ours["predictions"] == reference["predictions"])
        let masks = try #require(ours["masks"]?.arrayValue), expected = try #require(reference["masks"]?.arrayValue)
        #expect(masks.count == expected.count && masks.count == 2)
        for (m, e) in zip(masks, expected) {
            #expect(m["position"]?.intValue == e["position"]?.intValue)
            let top = try #require(m["top_k"]?.arrayValue), want = try #require(e["top_k"]?.arrayValue)
            #expect(top.compactMap { $0["id"]?.intValue } == want.compactMap { $0["id"]?.intValue })
            #expect(top.compactMap { $0["token"]?.stringValue } == want.compactMap { $0["token"]?.stringValue })
            for (a, b) in zip(top, want) {
                #expect(abs((a["logit"]?.doubleValue ?? 0) - (b["logit"]?.doubleValue ?? 1)) <= 1e-4)
            }
        }
        let worst = try RunCommandTests.expectCacheMatches(cache, reference: "bert", "raw")
        print("run --cache bert: max |Δ| vs TransformerLens \(worst)")

        let table = try TLConvertProcess.run(["run", Fixtures.model("bert"), "--prompt", prompt])
        #expect(table.stdout.contains("Predictions: ['Prediction 0: ;', 'Prediction 1: ream']"), "\(table.stdout)")
    }

    /// --pair runs BertNextSentencePrediction: TransformerLens's tokens, type ids, logits and
    /// verdict, and the logits transformers gives for the same pair (the dump's first row).
    @Test func pairRunsNextSentencePrediction() throws {
        let reference = try Self.runReference()
        let pair = try #require(try reference["pair"]?.arrayValue?.compactMap(\.stringValue))
        let result = try TLConvertProcess.run(["run", Fixtures.model("bert"), "--prompt", pair[0], "--pair", pair[1], "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try Self.json(result.stdout)
        #expect(ours["input_ids"]?.arrayValue?.compactMap(\.intValue) == reference["pair_input_ids"]?.arrayValue?.compactMap(\.intValue))
        #expect(ours["token_type_ids"]?.arrayValue?.compactMap(\.intValue) == reference["pair_type_ids"]?.arrayValue?.compactMap(\.intValue))
        #expect(ours["nsp"]?["prediction"]?.stringValue == reference["nsp_prediction"]?.stringValue)
        let logits = try #require(try ours["nsp"]?["logits"]?.arrayValue?.compactMap(\.doubleValue))
        let tl = try #require(try reference["nsp_logits"]?.arrayValue?.compactMap(\.doubleValue))
        let hf = try SafeTensorsFile(path: Fixtures.model("bert") + "/hf_logits.safetensors").tensor(named: "nsp_logits").float32()
        for i in 0..<2 {
            #expect(abs(logits[i] - tl[i]) <= 1e-5)
            #expect(abs(logits[i] - Double(hf.values[i])) <= 1e-5)
        }
        // --pair belongs to encoders.
        let decoder = try TLConvertProcess.run(["run", Fixtures.model("gpt2"), "--prompt", "a", "--pair", "b"])
        #expect(decoder.status == 2 && decoder.stderr.contains("--pair is for encoders"))
    }

    /// A bare BertModel runs to its final hidden state.
    @Test func headlessRunShowsHiddenState() throws {
        let result = try TLConvertProcess.run(["run", Fixtures.model("bert-model"), "--prompt", "the model is here", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try Self.json(result.stdout)
        #expect(ours["hidden_states"]?.arrayValue?.count == ours["input_ids"]?.arrayValue?.count)
        #expect(ours["predictions"] == .null)
    }

    /// `list` marks the four BERT names convertible.
    @Test func zooMarksBertConvertible() throws {
        let result = try TLConvertProcess.run(["list", "--json"])
        #expect(result.status == 0)
        let entries = try #require(try Self.json(result.stdout).arrayValue)
        let bert = entries.filter { ($0["repo"]?.stringValue ?? "").hasPrefix("google-bert/") }
        #expect(bert.count == 4)
        #expect(bert.allSatisfy { $0["convertible"]?.boolValue == true }, "\(bert)")
    }
}

/// The converted `config.json` as `CanonicalConfig`.
enum CanonicalModelConfig {
    static func load(_ path: String) throws -> CanonicalConfig {
        try JSONDecoder().decode(CanonicalConfig.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
