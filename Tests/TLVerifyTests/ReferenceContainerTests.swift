import Testing
import TLCore
import TLFormats
import TLForward
import TLVerify
import TLTestSupport

/// Reference dumps saved by numpy (`.npz`, deflated and stored) and `torch.save` (`.pt`)
/// read as the safetensors original, and verify against them.
@Suite struct ReferenceContainerTests {
    static let original = Fixtures.path("models/gpt2/hf_logits.safetensors")

    static func model() throws -> Transformer {
        try CanonicalModel.load(config: Fixtures.reference("gpt2", "raw") + ".cfg.json",
                                weights: Fixtures.reference("gpt2", "raw") + ".safetensors").transformer()
    }

    @Test(arguments: [("gpt2-deflated.npz", Float(0)), ("gpt2.pt", 0), ("gpt2-stored-f16.npz", 1e-2), ("gpt2-bf16.pt", 5e-2)])
    func containerMatchesTheOriginal(file: String, precision: Float) throws {
        let original = try ReferenceDump.load(Self.original)
        let dump = try ReferenceDump.load(Fixtures.path("dumps/\(file)"))
        #expect(dump.tokens == original.tokens)
        #expect(dump.logits.shape == original.logits.shape)
        var worst: Float = 0
        for (a, b) in zip(dump.logits.values, original.logits.values) { worst = max(worst, abs(a - b)) }
        #expect(worst <= precision, "\(file): logits differ by \(worst)")
        let (report, _) = try Verifier.verify(Self.model(), against: dump)
        #expect(report.overall.positions == 32)
        if precision == 0 {
            #expect(report.passed)
            #expect(report.overall.maxLogProbDiff <= 1e-4)
        } else {
            // Half-precision logits carry their rounding; the comparison still sees agreement.
            #expect(report.overall.maxLogProbDiff <= Double(precision) * 2)
            #expect(report.overall.top1Agreement >= 0.9)
        }
    }

    @Test func torchDumpWithMaskVerifiesFromTheCommandLine() throws {
        let dir = try Support.canonicalDirectory(case: "gpt2", processing: "raw")
        let result = try TLConvertProcess.run(["verify", dir, "--reference", Fixtures.path("dumps/gpt2.pt"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout, path: "stdout")["positions"]?.intValue == 32)
    }

    /// Right-padded batches from tools/dump_hf_logits.py: padded positions are hidden as keys
    /// and left out of the metrics; the real ones match Hugging Face.
    @Test(arguments: ["gpt2", "lam-gqa"])
    func paddedBatchWithMaskPasses(name: String) throws {
        var model = try CanonicalModel.load(config: Fixtures.reference(name, "defaults") + ".cfg.json",
                                            weights: Fixtures.reference(name, "defaults") + ".safetensors")
        if name == "lam-gqa" { model.config.rotaryBase = 500000 }  // the manifest's tl_wrong_cfg
        let dump = try ReferenceDump.load(Fixtures.path("dumps/\(name)-padded.safetensors"))
        let mask = try #require(dump.attentionMask)
        #expect(mask[0].contains(0), "the first text is shorter and padded")
        let (report, _) = try Verifier.verify(model.transformer(), against: dump)
        #expect(report.overall.positions == mask.joined().reduce(0, +))
        #expect(report.rows[0].positions == mask[0].reduce(0, +))
        #expect(report.passed, "\(report.failures)")
        #expect(report.overall.maxLogProbDiff <= 1e-4)
    }
}

/// A dump's shapes are checked against the model before any of its data is read: a
/// compressed `.npz` member is inflated only when read.
@Suite struct ReferenceShapeCheckTests {
    /// Lists tensors; reading one is a test failure.
    struct ListingOnly: TensorSource {
        let path = "ref.npz"
        let format = "npz"
        let tensorInfos: [TensorInfo]
        var metadata: [String: String] { [:] }
        func tensor(named name: String) throws(TLError) -> Tensor {
            Issue.record("read '\(name)' before its shape was checked")
            throw .badTensor(name: name, problem: "not readable here")
        }
    }

    private func load(logits shape: [Int], _ expectation: ReferenceDump.Expectation) -> TLError? {
        let source = ListingOnly(tensorInfos: [TensorInfo(name: "input_ids", dtype: .i64, shape: Array(shape.prefix(2))),
                                               TensorInfo(name: "logits", dtype: .f32, shape: shape)])
        do { _ = try ReferenceDump.load(from: source, expecting: expectation); return nil } catch { return error }
    }

    @Test func vocabularyIsCheckedBeforeReading() {
        #expect(load(logits: [1, 4, 30000], .init(dVocabOut: 400))
                == .badFile(path: "ref.npz", problem: "logits have 30000 vocabulary entries, the model has d_vocab_out 400"))
    }

    @Test func sizeIsBoundedBeforeReading() {
        #expect(load(logits: [2, 8, 1 << 25], .init())
                == .badFile(path: "ref.npz", problem: "logits [2, 8, 33554432] hold 536870912 values, more than the 268435456 a reference dump may hold"))
        #expect(load(logits: [1, 4, 100], .init(maxLogits: 399))?.description.contains("hold 400 values, more than the 399") == true)
    }
}
