import Foundation
import Testing
import TLCore
import TLFormats
import TLForward
import TLModel
import TLTestSupport

/// Incremental decoding with the KV cache gives the logits of the full forward pass at every
/// position, for every decoder the forward pass runs: each Hugging Face fixture's
/// TransformerLens weights, each feature-flag case (learned and shortformer positions, partial,
/// adjacent-pair, NTK-by-parts and local-base rotary, ALiBi, local windows, soft-caps, MoE,
/// QK norm, pre/post norms) and each TransformerLens-native toy model.
@Suite struct KVCacheTests {
    static let tolerance: Float = 1e-4

    static var models: [String] {
        let forward = ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("forward"))) ?? []).sorted()
        let native = ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("tl-native"))) ?? []).sorted()
        return Fixtures.withTLReferences.map { "models/\($0.name)" } + forward.map { "forward/\($0)" }
            + native.map { "tl-native/\($0)" }
    }

    static func transformer(_ model: String) throws -> Transformer {
        if model.hasPrefix("forward/") { return try CanonicalModel.load(directory: Fixtures.path(model)).transformer() }
        let tl = model.hasPrefix("models/")
            ? Fixtures.reference(String(model.dropFirst("models/".count)), "raw") : Fixtures.path(model + "/tl/raw")
        let name = String(model.split(separator: "/")[1])
        let corrections = Fixtures.cases.first { $0.name == name }?.tlWrongConfig.map { ($0.key, $0.value) } ?? []
        let config = try Fixtures.config(tl + ".cfg.json", corrections: corrections)
        return try Transformer(config: config, weights: try CanonicalModel.load(config: tl + ".cfg.json",
                                                                                weights: tl + ".safetensors").weights)
    }

    /// 16 seeded ids below every fixture's vocabulary.
    static func tokens(vocab: Int) -> [Int] {
        var random = SplitMix64(seed: 18)
        return (0..<16).map { _ in Int(random.next() % UInt64(min(vocab, 400))) }
    }

    /// Largest |Δ| between rows `rows` of the full logits and `chunk`'s logits.
    static func difference(_ full: FloatTensor, rows: Range<Int>, _ chunk: FloatTensor, vocab: Int) -> Float {
        var worst: Float = 0
        for (i, r) in rows.enumerated() {
            for v in 0..<vocab { worst = max(worst, abs(full.values[r * vocab + v] - chunk.values[i * vocab + v])) }
        }
        return worst
    }

    @Test(arguments: models)
    func cachedLogitsEqualFullForward(model: String) throws {
        let transformer = try Self.transformer(model)
        let vocab = transformer.config.dVocabOut
        let tokens = Self.tokens(vocab: transformer.config.dVocab)
        let full = try transformer.logits(tokens: [tokens])
        // A 5-token prompt, then one token at a time (what generate does), and in chunks of 3.
        for chunks in [[5] + Array(repeating: 1, count: 11), [3, 3, 3, 3, 3, 1]] {
            let session = DecodingSession(transformer, capacity: 4)
            var start = 0
            for size in chunks {
                let logits = try session.append(Array(tokens[start..<(start + size)]))
                #expect(logits.shape == [size, vocab])
                let worst = Self.difference(full, rows: start..<(start + size), logits, vocab: vocab)
                #expect(worst <= Self.tolerance, "\(model), chunks \(chunks): positions \(start)..<\(start + size) differ by \(worst)")
                start += size
            }
            #expect(session.length == tokens.count)
        }
    }

    @Test func theCacheCoversEveryKindOfModel() {
        #expect(Self.models.count >= 40)
        for model in ["models/gpt2", "models/bloom", "models/neo", "models/mixtral", "models/gemma3", "models/olmo2",
                      "forward/gem2-tl", "forward/ntk-rmspre", "tl-native/attn-only-2l-demo", "tl-native/solu-2l"] {
            #expect(Self.models.contains(model), "\(model) is not covered")
        }
    }

    /// Learned positions and rotary tables end at n_ctx: a cached run past it is refused in one line.
    @Test func decodingPastTheContextIsRefused() throws {
        let transformer = try Self.transformer("models/gpt2")
        let session = DecodingSession(transformer)
        #expect(session.maxPositions == transformer.config.nCtx)
        _ = try session.append(Array(repeating: 1, count: transformer.config.nCtx))
        #expect(throws: TLError.badTensor(name: "input_ids", problem: "\(transformer.config.nCtx + 1) positions exceed n_ctx \(transformer.config.nCtx)")) {
            _ = try session.append([1])
        }
    }
}
