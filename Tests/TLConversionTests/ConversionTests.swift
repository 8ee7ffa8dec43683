import Foundation
import Testing
import ModelConfigs
import TLCore
import TLFormats
import TLModel
@testable import TLConversion
import TLTestSupport

/// Raw conversions of every fixture with TransformerLens references, compared with the
/// parameters and config TransformerLens 2.16.1 itself produced for the same checkpoint.
struct ConversionTests {
    static func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "tlconvert-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func convert(_ name: String, dtype: DType = .f32) throws -> (out: String, result: ConversionResult) {
        let out = scratch(name) + "/out"
        let checkpoint = try HFCheckpoint.open(Fixtures.model(name))
        let result = try Converter(dtype: dtype).convert(checkpoint, modelID: Fixtures.model(name), to: out)
        return (out, result)
    }

    @Test(arguments: Fixtures.withTLReferences)
    func weightsEqualTransformerLens(_ fixture: FixtureCase) throws {
        let (out, _) = try Self.convert(fixture.name)
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let ours = try SafeTensorsFile(path: out + "/model.safetensors")
        let theirs = try SafeTensorsFile(path: Fixtures.reference(fixture.name, "raw") + ".safetensors")
        #expect(Set(ours.tensorNames) == Set(theirs.tensorNames), "\(fixture)")
        #expect(ours.metadata["format"] == "transformer_lens")
        for info in theirs.tensorInfos {
            guard ours.contains(info.name) else { continue }
            let a = try ours.tensor(named: info.name), b = try theirs.tensor(named: info.name)
            #expect(a.shape == b.shape, "\(fixture): \(info.name)")
            #expect(a.dtype == .f32)
            // TL leaves BLOOM's ALiBi position table uninitialised; ours is zeros.
            if info.name == "pos_embed.W_pos" && fixture.architecture == "BloomForCausalLM" {
                #expect(a.floats().allSatisfy { $0 == 0 })
                continue
            }
            let diff = zip(a.floats(), b.floats()).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-6, "\(fixture): \(info.name) differs by \(diff)")
        }
    }

    @Test(arguments: Fixtures.withTLReferences)
    func configJSONMatchesTransformerLens(_ fixture: FixtureCase) throws {
        let (out, _) = try Self.convert(fixture.name)
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let ours = try JSONParser.parseFile(out + "/config.json")
        let theirs = try JSONParser.parseFile(Fixtures.reference(fixture.name, "raw") + ".cfg.json")
        // Same keys as TransformerLens's cfg.to_dict(), in HookedTransformerConfig's field order; the
        // 3.x fields only where set (3.x references have more fields, of which ours are a part).
        let keys = ours.objectMembers?.map(\.key) ?? []
        // 2.18 references hold `rotary_base_local` as null where it is unset; ours write it only when set.
        let theirKeys = Set(theirs.objectMembers?.filter { $0.key != "rotary_base_local" || !$0.value.isNull }.map(\.key) ?? [])
        if fixture.transformerLensMajor >= 3 {
            #expect(Set(keys).isSubset(of: theirKeys), "\(fixture): config keys TransformerLens does not have")
        } else {
            #expect(Set(keys) == theirKeys, "\(fixture): config keys differ")
        }
        // TransformerLens 2.18's one new field, after `rotary_base`, is written only when set (Gemma 3).
        var order = ConversionTests.transformerLensFieldOrder
        if keys.contains("rotary_base_local"), let i = order.firstIndex(of: "rotary_base") {
            order.insert("rotary_base_local", at: i + 1)
        }
        #expect(keys.filter { !ConversionTests.transformerLens3Fields.contains($0) } == order,
                "\(fixture): config keys out of order")
        #expect(keys.suffix(from: order.count)
                    .allSatisfy(ConversionTests.transformerLens3Fields.contains), "\(fixture): 3.x fields come last")
        for field in ConversionTests.architectureFields {
            let expected = fixture.tlWrongConfig[field] ?? theirs[field] ?? .null
            if field == "attn_types", theirs["use_local_attn"]?.boolValue == false { continue }
            #expect((ours[field] ?? .null) == expected, "\(fixture): \(field) is \(ours[field] ?? .null), expected \(expected)")
        }
        // The 3.x-named fields ours writes (sinks, YaRN, clip_qkv, …) have the reference's values.
        for field in ConversionTests.transformerLens3Fields {
            guard let value = ours[field] else { continue }
            #expect(value == theirs[field] ?? .null, "\(fixture): \(field) is \(value), expected \(theirs[field] ?? .null)")
        }
        // Floats stay floats for Python (rotary_base 10000.0, not 10000).
        if case .int = ours["eps"] ?? .null { Issue.record("eps written as an integer") }
        // A local source is no tokenizer_name: the converted directory holds the tokenizer files.
        #expect(ours["tokenizer_name"] == .null)
    }

    /// `[f.name for f in dataclasses.fields(HookedTransformerConfig)]`, TransformerLens 2.16.1.
    static let transformerLensFieldOrder = [
        "n_layers", "d_model", "n_ctx", "d_head", "model_name", "n_heads", "d_mlp", "act_fn", "d_vocab", "eps",
        "use_attn_result", "use_attn_scale", "attn_scale", "use_split_qkv_input", "use_hook_mlp_in", "use_attn_in",
        "use_qk_norm", "use_local_attn", "ungroup_grouped_query_attention", "original_architecture",
        "from_checkpoint", "checkpoint_index", "checkpoint_label_type", "checkpoint_value", "tokenizer_name",
        "window_size", "attn_types", "init_mode", "normalization_type", "device", "n_devices", "attention_dir",
        "attn_only", "seed", "initializer_range", "init_weights", "scale_attn_by_inverse_layer_idx",
        "positional_embedding_type", "final_rms", "d_vocab_out", "parallel_attn_mlp", "rotary_dim", "n_params",
        "use_hook_tokens", "gated_mlp", "default_prepend_bos", "dtype", "tokenizer_prepends_bos",
        "n_key_value_heads", "post_embedding_ln", "rotary_base", "trust_remote_code", "rotary_adjacent_pairs",
        "load_in_4bit", "num_experts", "experts_per_token", "relative_attention_max_distance",
        "relative_attention_num_buckets", "decoder_start_token_id", "tie_word_embeddings",
        "use_normalization_before_and_after", "attn_scores_soft_cap", "output_logits_soft_cap",
        "use_NTK_by_parts_rope", "NTK_by_parts_low_freq_factor", "NTK_by_parts_high_freq_factor",
        "NTK_by_parts_factor", "NTK_original_ctx_len",
    ]

    /// The fields compared with TransformerLens (see ModelConfigsTests for the reasoning).
    /// Fields of TransformerLens 3.x's config that ours writes only when a model sets them.
    static let transformerLens3Fields = [
        "clip_qkv", "norm_topk_prob", "use_attention_sinks", "use_yarn_rope", "yarn_factor", "yarn_attention_factor",
        "yarn_beta_fast", "yarn_beta_slow", "yarn_original_max_position_embeddings", "yarn_truncate",
        "yarn_global_attn_only",
    ]

    static let architectureFields = [
        "n_layers", "d_model", "n_ctx", "d_head", "n_heads", "d_mlp", "act_fn", "d_vocab", "d_vocab_out", "eps",
        "use_attn_scale", "attn_scale", "use_qk_norm", "use_local_attn", "window_size", "attn_types",
        "original_architecture", "normalization_type", "positional_embedding_type", "final_rms",
        "parallel_attn_mlp", "rotary_dim", "gated_mlp", "default_prepend_bos", "dtype", "n_key_value_heads",
        "post_embedding_ln", "rotary_base", "rotary_adjacent_pairs", "num_experts", "experts_per_token",
        "use_normalization_before_and_after", "attn_scores_soft_cap", "output_logits_soft_cap",
        "scale_attn_by_inverse_layer_idx", "use_NTK_by_parts_rope", "n_params", "init_weights", "clip_qkv",
        "rotary_base_local",
    ]

    @Test func tokenizerFilesAreCopied() throws {
        let (out, _) = try Self.convert("gpt2")
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        // generation_config.json too: `generate` on the output stops where transformers stops.
        for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
                     "generation_config.json"] {
            let copied = try? Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
            let source = try? Data(contentsOf: URL(fileURLWithPath: Fixtures.model("gpt2") + "/" + name))
            #expect(copied != nil && copied == source, "\(name)")
        }
        let record = try JSONParser.parseFile(out + "/" + ConversionRecord.fileName)
        let recorded = record["source"]?["files"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(recorded.contains("generation_config.json"), "\(recorded)")
    }

    @Test func noTokenizerMeansNoTokenizerName() throws {
        // HookedTransformer loads tokenizer_name when built; a source without one names none.
        let scratch = Self.scratch("no-tokenizer")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let dir = scratch + "/model"  // the output may not lie inside the source (CONTRACT.md)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Fixtures.model("gpt2") + "/" + name, toPath: dir + "/" + name)
        }
        let result = try Converter().convert(try HFCheckpoint.open(dir), modelID: dir, to: scratch + "/out")
        #expect(result.config.tokenizerName == nil)
        #expect(try JSONParser.parseFile(scratch + "/out/config.json")["tokenizer_name"] == .null)
    }

    @Test(arguments: [DType.f16, .bf16])
    func halfPrecisionOutput(_ dtype: DType) throws {
        let (out, result) = try Self.convert("gpt2", dtype: dtype)
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        #expect(result.config.dtype == dtype)
        let config = try JSONParser.parseFile(out + "/config.json")
        #expect(config["dtype"]?.stringValue == dtype.torchName)
        let ours = try SafeTensorsFile(path: out + "/model.safetensors")
        let theirs = try SafeTensorsFile(path: Fixtures.reference("gpt2", "raw") + ".safetensors")
        for info in theirs.tensorInfos {
            let a = try ours.tensor(named: info.name)
            #expect(a.dtype == dtype)
            // Each value is the reference rounded to the nearest representable value.
            let reference = try theirs.tensor(named: info.name).float32().encoded(as: dtype)
            #expect(a.floats() == reference.floats(), "\(info.name)")
        }
    }

    @Test func metadataRecordsSourceFlagsAndVersion() throws {
        let out = Self.scratch("meta") + "/out"
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let checkpoint = try HFCheckpoint.open(Fixtures.model("neox"))
        _ = try Converter(revision: "main").convert(checkpoint, modelID: "EleutherAI/pythia-tiny", to: out)
        let meta = try SafeTensorsFile(path: out + "/model.safetensors").metadata
        #expect(meta["format"] == "transformer_lens")
        #expect(meta["source"] == "EleutherAI/pythia-tiny")
        #expect(meta["revision"] == "main")
        #expect(meta["tlconvert_version"] == TLConvertVersion.string)
        for flag in ["fold_ln", "center_writing_weights", "center_unembed", "fold_value_biases",
                     "refactor_factored_attn_matrices"] {
            #expect(meta[flag] == "false", "\(flag)")
        }
        let config = try JSONParser.parseFile(out + "/config.json")
        #expect(config["model_name"]?.stringValue == "pythia-tiny")
    }

    @Test(arguments: ["gem", "gem2"])
    func gemmaWeightsFollowTransformerLensRules(_ name: String) throws {
        // No TL reference exists for Gemma checkpoints loaded from a path; check the
        // conversion rules TL applies (1 + w norms, √d_model embedding) on the HF tensors.
        let (out, result) = try Self.convert(name)
        defer { try? FileManager.default.removeItem(atPath: FileSystem.directory(of: out)) }
        let ours = try SafeTensorsFile(path: out + "/model.safetensors")
        let hf = try CheckpointOpener.open(Fixtures.model(name))
        let embed = try hf.tensor(named: "model.embed_tokens.weight").floats()
        let scale = Float(Double(result.config.dModel).squareRoot())
        #expect(try ours.tensor(named: "embed.W_E").floats() == embed.map { $0 * scale })
        let norm = try hf.tensor(named: "model.layers.0.input_layernorm.weight").floats()
        #expect(try ours.tensor(named: "blocks.0.ln1.w").floats() == norm.map { $0 + 1 })
        let unembed = try ours.tensor(named: "unembed.W_U").float32()
        #expect(unembed.shape == [result.config.dModel, result.config.dVocab])
        #expect(try unembed.rearranged("m v -> v m").values == embed)  // tied, unscaled
    }
}
