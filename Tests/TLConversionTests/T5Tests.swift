import Foundation
import Testing
import TLConversion
import TLCore
import TLFormats
import TLTestSupport

/// T5 as TransformerLens's `HookedEncoderDecoder`, against the fixture made by
/// tools/make_t5_fixtures.py (a tiny T5ForConditionalGeneration, TransformerLens 2.16.1's
/// weights and config for it, transformers' logits).
struct T5Tests {
    static let model = Fixtures.model("t5")
    static let dump = model + "/hf_logits.safetensors"

    @Test func weightsAndConfigEqualTransformerLens() throws {
        let (out, result) = try ConversionTests.convert("t5")
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        #expect(result.config.modelClass == .hookedEncoderDecoder)
        let ours = try SafeTensorsFile(path: out + "/model.safetensors")
        let theirs = try SafeTensorsFile(path: Fixtures.reference("t5", "raw") + ".safetensors")
        #expect(Set(ours.tensorNames) == Set(theirs.tensorNames))
        for info in theirs.tensorInfos {
            guard ours.contains(info.name) else { continue }
            let a = try ours.tensor(named: info.name).float32(), b = try theirs.tensor(named: info.name).float32()
            #expect(a.shape == b.shape, "\(info.name)")
            let worst = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6, "\(info.name): max |Δ| \(worst)")
        }
        let mine = try JSONParser.parseFile(out + "/config.json")
        let reference = try JSONParser.parseFile(Fixtures.reference("t5", "raw") + ".cfg.json")
        guard case .object(let fields) = reference else { Issue.record("reference cfg is not an object"); return }
        // A local source names no tokenizer; the device is chosen when loading.
        for (key, value) in fields where !["tokenizer_name", "device"].contains(key) {
            #expect(mine[key] == value, "\(key): ours \(mine[key] ?? .null), TransformerLens \(value)")
        }
    }

    /// max |Δ log-prob| from `verify --json`.
    static func verified(_ model: String, _ reference: String = dump) throws -> (status: Int32, maxLogProbDiff: Double?, stderr: String) {
        let result = try TLConvertProcess.run(["verify", model, "--reference", reference, "--json"])
        let json = try? JSONParser.parse(result.stdout, path: "stdout")
        return (result.status, json?["max_logprob_diff"]?.doubleValue, result.stderr)
    }

    @Test func logitsEqualTransformersConvertedAndStraight() throws {
        let (out, _) = try ConversionTests.convert("t5")
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        for (source, reference) in [(out, Self.dump), (Self.model, Self.dump),
                                    (Self.model, Self.model + "/hf_logits_padded.safetensors")] {
            let (status, diff, stderr) = try Self.verified(source, reference)
            #expect(status == 0, "\(source): \(stderr)")
            #expect((diff ?? 1) <= 1e-4, "\(source): max |Δ log-prob| \(diff ?? .nan)")
        }
    }

    @Test func transformerLensReferenceIsOffWhereItsDecoderIsNotCausal() throws {
        // The reason verify is held to transformers: TL 2.16.1's own logits for the same ids.
        let result = try TLConvertProcess.run(["verify", Self.model, "--reference",
                                               Fixtures.reference("t5", "raw") + ".logits.safetensors", "--json"])
        #expect(result.status == 1, "\(result.stderr)")
    }

    @Test func processingFlagsAreRefused() throws {
        for args in [["verify", Self.model, "--reference", Self.dump, "--fold-ln"],
                     [Self.model, "-o", ConversionTests.scratch("t5-flags") + "/out", "--tl-defaults"]] {
            let result = try TLConvertProcess.run(args)
            #expect(result.status == 2)
            #expect(result.stderr.contains("TransformerLens applies no processing to HookedEncoderDecoder (T5ForConditionalGeneration)"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test(arguments: [("feed_forward_proj", "\"gated-gelu\""), ("tie_word_embeddings", "false"),
                      ("num_decoder_layers", "3")])
    func variantsTransformerLensCannotHoldAreRefused(_ key: String, _ value: String) throws {
        let dir = ConversionTests.scratch("t5-variant") + "/model"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: dir)) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.model + "/model.safetensors", toPath: dir + "/model.safetensors")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.model + "/config.json"))
        var config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        config[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let result = try TLConvertProcess.run([dir, "-o", FileSystem.directory(of: dir) + "/out"])
        #expect(result.status == 2, "\(key): \(result.stderr)")
        #expect(result.stderr.contains(key), "\(result.stderr)")
    }

    @Test func dumpWithoutDecoderIdsIsRefused() throws {
        let result = try TLConvertProcess.run(["verify", Self.model, "--reference",
                                               Fixtures.model("gpt2") + "/hf_logits.safetensors"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("decoder_input_ids") || result.stderr.contains("vocabulary"), "\(result.stderr)")
    }

    @Test func runDecodesGreedilyAsTransformers() throws {
        let greedy = try JSONParser.parseFile(Self.model + "/hf_greedy.json")
        let prompt = try #require(greedy["prompt"]?.stringValue)
        let expected = (greedy["decoder_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        let cache = ConversionTests.scratch("t5-run") + "/cache.safetensors"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: cache)) }
        let result = try TLConvertProcess.run(["run", Self.model, "--prompt", prompt, "--json",
                                               "--max-new-tokens", String(expected.count - 1), "--cache", cache])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout, path: "stdout")
        #expect(report["input_ids"]?.arrayValue?.compactMap(\.intValue) == greedy["input_ids"]?.arrayValue?.compactMap(\.intValue))
        #expect(report["decoder_input_ids"]?.arrayValue?.compactMap(\.intValue) == expected)
        let written = try SafeTensorsFile(path: cache)
        for name in ["hook_embed", "encoder.1.attn.hook_pattern", "encoder_final_ln.hook_normalized",
                     "decoder.0.cross_attn.hook_pattern", "decoder.1.hook_resid_mid_cross", "decoder_final_ln.hook_scale"] {
            #expect(written.contains(name), "\(name)")
        }
        #expect(written.tensorInfos.first { $0.name == "decoder.0.cross_attn.hook_k" }?.shape
                == [1, (greedy["input_ids"]?.arrayValue ?? []).count, 4, 8])
    }

    @Test func zooNamesAreConvertible() throws {
        let result = try TLConvertProcess.run(["list", "--json"])
        #expect(result.status == 0)
        let entries = try JSONParser.parse(result.stdout, path: "stdout").arrayValue ?? []
        for name in ["t5-small", "t5-base", "t5-large"] {
            let entry = entries.first { e in
                e["name"]?.stringValue == name || e["aliases"]?.arrayValue?.contains { $0.stringValue == name } == true
            }
            #expect(entry?["architecture"]?.stringValue == "T5ForConditionalGeneration", "\(name)")
            #expect(entry?["convertible"]?.boolValue == true, "\(name)")
        }
    }

    /// The Hub's t5-* files repeat the shared embedding (`encoder.embed_tokens`, `decoder.embed_tokens`,
    /// the tied `lm_head`) and the original ones carry a cross-attention bias table transformers ignores.
    @Test func repeatedEmbeddingsAndTheIgnoredBiasTableConvert() throws {
        let dir = ConversionTests.scratch("t5-hub-layout") + "/model"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: dir)) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.model + "/config.json", toPath: dir + "/config.json")
        let source = try SafeTensorsFile(path: Self.model + "/model.safetensors")
        var tensors = [(String, FloatTensor)]()
        for info in source.tensorInfos { tensors.append((info.name, try source.tensor(named: info.name).float32())) }
        let shared = try source.tensor(named: "shared.weight").float32()
        let bias = try source.tensor(named: "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight").float32()
        tensors += [("encoder.embed_tokens.weight", shared), ("decoder.embed_tokens.weight", shared), ("lm_head.weight", shared),
                    ("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight", bias)]
        let writer = try SafeTensorsWriter(path: dir + "/model.safetensors",
                                           tensors: tensors.map { TensorInfo(name: $0.0, dtype: .f32, shape: $0.1.shape) })
        for (name, tensor) in tensors { try writer.write(name: name, values: tensor) }
        try writer.finish()
        let out = FileSystem.directory(of: dir) + "/out"
        let result = try TLConvertProcess.run([dir, "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try SafeTensorsFile(path: out + "/model.safetensors")
        let theirs = try SafeTensorsFile(path: Fixtures.reference("t5", "raw") + ".safetensors")
        #expect(Set(ours.tensorNames) == Set(theirs.tensorNames))
        #expect(try ours.tensor(named: "unembed.W_U").float32().values == theirs.tensor(named: "unembed.W_U").float32().values)
    }
}
