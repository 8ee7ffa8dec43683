import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLVerify
import TLTestSupport

/// `verify` end to end: the library verdict and the command's exit status and output.
@Suite struct VerifyTests {
    static let contractKeys = ["positions", "mse", "max_abs_diff", "kl_mean", "kl_max", "cosine_min",
                               "cosine_mean", "top1_agreement", "top5_overlap", "pass"]

    @Test func fixtureModelsPass() throws {
        for name in ["gpt2", "lam-gqa"] {
            for processing in ["raw", "defaults"] {
                var model = try CanonicalModel.load(config: Fixtures.reference(name, processing) + ".cfg.json",
                                                    weights: Fixtures.reference(name, processing) + ".safetensors")
                if name == "lam-gqa" { model.config.rotaryBase = 500000 }  // the manifest's tl_wrong_cfg
                let dump = try ReferenceDump.load(Fixtures.path("models/\(name)/hf_logits.safetensors"))
                let (report, logits) = try Verifier.verify(model.transformer(), against: dump)
                #expect(report.passed, "\(name)/\(processing): \(report.failures)")
                #expect(report.rows.count == dump.batch)
                #expect(report.overall.positions == dump.batch * dump.positions)
                #expect(report.overall.maxLogProbDiff <= 1e-4)
                #expect(logits.shape == dump.logits.shape)
            }
        }
    }

    @Test func commandPassesAndSavesLogits() throws {
        let dir = try Support.canonicalDirectory(case: "gpt2", processing: "defaults")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference = Fixtures.path("models/gpt2/hf_logits.safetensors")
        let saved = dir + "/ours.safetensors"
        let result = try TLConvertProcess.run(["verify", dir, "--reference", reference, "--json", "--save-logits", saved])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        for key in Self.contractKeys { #expect(json[key] != nil, "missing key \(key)") }
        // llama.cpp's statistics, overall and per row, are numbers (every position scores its next token here).
        for object in [json] + (json["rows"]?.arrayValue ?? []) {
            for key in TokenProbabilityStatsTests.contractKeys { #expect(object[key]?.doubleValue != nil, "missing key \(key)") }
        }
        #expect(json["pass"] == .bool(true))
        #expect(json["positions"]?.intValue == 32)
        // The saved logits are ours: F32 `logits`, matching Hugging Face to 1e-4 in log-prob.
        let file = try SafeTensorsFile(path: saved)
        #expect(file.tensorInfos.map(\.name) == ["logits"])
        #expect(file.tensorInfos.first?.dtype == .f32)
        let ours = try file.tensor(named: "logits").float32()
        let dump = try ReferenceDump.load(reference)
        let metrics = Verifier.report(reference: dump, ours: ours).overall
        #expect(metrics.maxLogProbDiff <= 1e-4)

        let table = try TLConvertProcess.run(["verify", dir, "--reference", reference])
        #expect(table.status == 0)
        #expect(table.stdout.contains("result: PASS"))
        #expect(table.stdout.contains("row 1"))
        #expect(table.stdout.contains("llama.cpp statistics (overall; p(x) of the next token x at 30 of 32 positions)"))
    }

    @Test func corruptedWeightFailsWithExitOne() throws {
        let dir = try Support.canonicalDirectory(case: "gpt2", processing: "raw", scaling: ("blocks.1.mlp.W_out", 1.5))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference = Fixtures.path("models/gpt2/hf_logits.safetensors")
        let result = try TLConvertProcess.run(["verify", dir, "--reference", reference, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout, path: "stdout")
        #expect(json["pass"] == .bool(false))
        let klMax = try #require(json["kl_max"]?.doubleValue)
        let logProb = try #require(json["max_logprob_diff"]?.doubleValue)
        #expect(klMax > 1e-4)
        #expect(logProb > 1e-3)
        #expect(result.stderr.contains("verification failed"))
        // Loosened tolerances let the same run pass: the flags reach the verdict.
        let loose = try TLConvertProcess.run(["verify", dir, "--reference", reference, "--max-kl", "10",
                                           "--min-cosine", "0", "--min-top1", "0"])
        #expect(loose.status == 0)
    }

    @Test func malformedDumpsExitTwo() throws {
        let dir = try Support.canonicalDirectory(case: "gpt2", processing: "raw")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try SafeTensorsFile(path: Fixtures.path("models/gpt2/hf_logits.safetensors"))
        let ids = try good.tensor(named: "input_ids")
        let logits = try good.tensor(named: "logits")
        let vocab = logits.shape[2]
        let idValues = ids.integers()
        let narrow = FloatTensor(shape: [2, 16, vocab - 1], values: [Float](repeating: 0, count: 32 * (vocab - 1)))
        var outOfRange = idValues
        outOfRange[5] = Int64(vocab + 7)
        let cases: [(String, [(String, Tensor)], String)] = [
            ("no-logits", [("input_ids", ids)], "no 'logits' tensor"),
            ("no-ids", [("logits", logits)], "no 'input_ids' tensor"),
            ("vocab", [("input_ids", ids), ("logits", narrow.encoded(as: .f32))], "d_vocab_out"),
            ("batch", [("input_ids", Support.int64Tensor(Array(idValues.prefix(16)), shape: [1, 16])), ("logits", logits)],
             "disagree in batch/seq"),
            ("token", [("input_ids", Support.int64Tensor(outOfRange, shape: [2, 16])), ("logits", logits)],
             "outside the model's vocabulary"),
            ("float-ids", [("input_ids", FloatTensor(shape: [2, 16], values: idValues.map(Float.init)).encoded(as: .f32)),
                           ("logits", logits)], "integer type"),
        ]
        for (name, tensors, message) in cases {
            let path = dir + "/\(name).safetensors"
            try Support.writeSafeTensors(tensors, to: path)
            let result = try TLConvertProcess.run(["verify", dir, "--reference", path])
            #expect(result.status == 2, "\(name): status \(result.status)")
            #expect(result.stderr.contains(message), "\(name): \(result.stderr)")
            #expect(result.stderr.contains(path), "\(name): the line names the file")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(name): one line")
            #expect(result.stdout.isEmpty)
        }
        let missing = try TLConvertProcess.run(["verify", dir, "--reference", dir + "/absent.safetensors"])
        #expect(missing.status == 2)
        let notCanonical = try TLConvertProcess.run(["verify", dir + "/nowhere", "--reference",
                                                  Fixtures.path("models/gpt2/hf_logits.safetensors")])
        #expect(notCanonical.status == 2)
    }

    @Test func savedLogitsAreWrittenAtomically() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logits = FloatTensor(shape: [1, 2, 3], values: [1, 2, 3, 4, 5, 6])
        try Verifier.saveLogits(logits, to: dir + "/l.safetensors")
        #expect(try SafeTensorsFile(path: dir + "/l.safetensors").tensor(named: "logits").float32() == logits)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["l.safetensors"])
        #expect(throws: TLError.self) { try Verifier.saveLogits(logits, to: dir + "/no/such/dir/l.safetensors") }
    }

    @Test func processingFlagsNeedAHuggingFaceCheckpoint() throws {
        let flags = try TLConvertProcess.run(["verify", Fixtures.path("forward/ln-learned"), "--tl-defaults", "--reference",
                                           Fixtures.path("forward/ln-learned/reference.safetensors")])
        #expect(flags.status == 2)
        #expect(flags.stderr.contains("processing flags"), "\(flags.stderr)")
        let missing = try TLConvertProcess.run(["verify", "/nonexistent/model-dir", "--offline", "--reference",
                                             Fixtures.path("models/gpt2/hf_logits.safetensors")])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }
}
