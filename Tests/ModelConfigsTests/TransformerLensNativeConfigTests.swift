import Testing
import ModelConfigs
import TLCore
import TLFormats
import TLModel

/// TransformerLens's own config.json (`convert_neel_model_config`), the architecture tag, the
/// `.pth` naming, and the layer-count conditions of the old SoLU layout.
struct TransformerLensNativeConfigTests {
    static func config(_ text: String) throws -> HFConfig {
        try HFConfig(json: try JSONParser.parse(text, path: "config.json"), path: "config.json")
    }

    static let base = #""d_model": 8, "n_layers": 2, "d_mlp": 32, "d_head": 4, "n_heads": 2, "n_ctx": 16, "d_vocab": 50, "act_fn": "solu_ln", "attn_only": false"#

    @Test func oldFilesSayNormalizationAndShortformerPos() throws {
        let c = try Self.config("{\(Self.base), \"normalization\": \"LN\", \"shortformer_pos\": true, \"lr\": 0.1}")
        #expect(c.isTransformerLensNative)
        let derived = try c.transformerLensNativeConfig()
        #expect(derived.norm == .layerNorm && derived.position == .shortformer && derived.activation == .soluLN)
        #expect(derived.tokenizerName == nil && derived.tokenizerPrependsBOS == false && !derived.finalRMS)
        let plain = try Self.config("{\(Self.base), \"normalization_type\": null}").transformerLensNativeConfig()
        #expect(plain.norm == nil && plain.position == .standard)
    }

    @Test func missingFieldsAreNamed() throws {
        #expect(throws: TLError.badFile(path: "config.json", problem: "missing 'normalization_type'")) {
            try Self.config("{\(Self.base)}").transformerLensNativeConfig()
        }
        let noAttnOnly = Self.base.replacingOccurrences(of: #", "attn_only": false"#, with: "")
        #expect(throws: TLError.badFile(path: "config.json", problem: "missing boolean 'attn_only'")) {
            try Self.config("{\(noAttnOnly), \"normalization_type\": \"LN\"}").transformerLensNativeConfig()
        }
    }

    @Test func architectureTagAsTransformerLensGivesIt() throws {
        let c = try Self.config("{\(Self.base), \"normalization_type\": \"LN\"}")
        #expect(try c.transformerLensArchitecture(name: "NeelNanda/SoLU_2L512W_C4_Code", tensorNames: ["blocks.0.ln1.w"]) == "neel")
        #expect(try c.transformerLensArchitecture(name: "NeelNanda/SoLU_1L_v9_old", tensorNames: ["blocks.0.ln1.w"]) == "neel-solu-old")
        #expect(try c.transformerLensArchitecture(name: "/tmp/copy", tensorNames: ["norm.w"]) == "neel-solu-old")
        let mingpt = try Self.config("{\(Self.base), \"normalization_type\": \"LN\", \"architecture\": \"mingpt\"}")
        #expect(try mingpt.transformerLensArchitecture(name: "x", tensorNames: []) == "mingpt")
    }

    @Test func checkpointFilesAsGetCheckpointLabelsFindsThem() throws {
        let files = ["config.json", "M_final.pth", "checkpoints/M_1000.pth", "checkpoints/M_0.pth", "checkpoints/M_.pth",
                     "checkpoints/notes.txt", "M_5.pth"]
        #expect(TransformerLensNativeFiles.finalWeights(in: files) == "M_final.pth")
        #expect(TransformerLensNativeFiles.checkpoints(in: files).map(\.label) == [0, 1000])
        // Step 0 is M_0.pth, not the first name ending in "0.pth" (TransformerLens would take M_1000.pth).
        #expect(try TransformerLensNativeFiles.weights(in: files, checkpointValue: 0, source: "r") == "checkpoints/M_0.pth")
        #expect(throws: TLError.notFound("r: no training checkpoint 5; available: 0, 1000")) {
            try TransformerLensNativeFiles.weights(in: files, checkpointValue: 5, source: "r")
        }
    }

    /// Up to 6 layers every W_* is stored transposed, up to 8 W_pos; beyond, nothing.
    @Test(arguments: [(1, 2), (6, 2), (7, 1), (8, 1), (9, 0), (12, 0)])
    func oldSoLUTransposesBySize(layers: Int, wPosAndWE: Int) throws {
        var c = CanonicalConfig(nLayers: layers, dModel: 8, nCtx: 16, dHead: 4)
        c.nHeads = 2
        c.dVocab = 50
        c.activation = .soluLN
        c.applyDerivedDefaults()
        let rules = ArchitectureModule.neelSoluOld.rules(for: c, group: .embed)
        #expect(rules.map(\.target) == ["embed.W_E", "pos_embed.W_pos"])
        #expect(rules.filter { $0.transforms == [.transpose] }.count == wPosAndWE)
        #expect(rules.allSatisfy { if case .checkpoint(let n) = $0.source { return n == $0.target } else { return false } })
        let unembed = ArchitectureModule.neelSoluOld.rules(for: c, group: .unembed)
        #expect(unembed.map(\.source) == [.checkpoint("norm.w"), .checkpoint("norm.b"), .checkpoint("unembed.W_U"), .checkpoint("unembed.b_U")])
    }
}
