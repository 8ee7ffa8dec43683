import Foundation
import Testing
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// Folding is exact: on random residual vectors, every reader of a norm computes the same
/// pre-activations before (`norm(x)·W + b`) and after (`normPre(x)·W' + b'`) the fold.
/// Checked on every fixture's raw TransformerLens weights, Mixtral included (router
/// logits and each expert's W_in/W_gate inputs), against this test's own naive maths.
struct FoldEquivalenceTests {
    @Test("fold_ln leaves every norm reader's output unchanged", arguments: Fixtures.rawCases)
    func readersUnchanged(_ fixture: FixtureCase) throws {
        let raw = try Fixtures.referenceWeights(fixture.name, "raw")
        let config = try Fixtures.referenceConfig(fixture.name, "raw")
        let (folded, foldedConfig) = try ProcessingPipeline(options: .init(foldLN: true)).process(all: raw, config: config)
        // Post-norm blocks (OLMo 2/3) have no norm readers to fold into: the fold is declined.
        guard config.normPlacement != .after else {
            #expect(folded == raw && foldedConfig == config, "\(fixture.name): a post-norm model was folded")
            return
        }
        var rng = SplitMix64(seed: 42)
        var worst: Float = 0
        for _ in 0..<4 {
            let x = (0..<config.dModel).map { _ in Float(rng.normal() * 3 + 0.5) }
            for l in 0..<config.nLayers {
                let p = "blocks.\(l)"
                let before1 = normalise(x, raw, "\(p).ln1", config)
                let before2 = raw["\(p).ln2.w"] == nil ? before1 : normalise(x, raw, "\(p).ln2", config)
                let after = normalise(x, folded, nil, config)
                for reader in readers(of: l, config) {
                    let input = reader.name.contains(".mlp.") ? before2 : before1
                    let expected = try apply(reader, raw, input, config)
                    let actual = try apply(reader, folded, after, config)
                    let (error, within) = Tolerance.compare(actual, expected)
                    #expect(within, "\(fixture.name): \(reader.name) changed by \(error)")
                    worst = max(worst, error)
                }
            }
            let unembed = Reader(name: "unembed.W_U", bias: "unembed.b_U", outer: 1)
            let expected = try apply(unembed, raw, normalise(x, raw, "ln_final", config), config)
            let actual = try apply(unembed, folded, normalise(x, folded, nil, config), config)
            let (error, within) = Tolerance.compare(actual, expected)
            #expect(within, "\(fixture.name): logits changed by \(error)")
            worst = max(worst, error)
        }
        #expect(!folded.keys.contains { $0.hasSuffix("ln1.w") || $0.hasSuffix("ln2.w") || $0.hasPrefix("ln_final") })
        print("[processing] \(fixture.name) fold equivalence: max |Δ| \(worst)")
    }

    /// A matrix reading d_model, seen as [outer, d_model, inner] (inner = 1 for
    /// `nn.Linear` weights [out, d_model] such as MoE's), with an optional bias [outer, inner].
    struct Reader {
        let name: String
        let bias: String?
        let outer: Int
    }

    private func readers(of l: Int, _ config: CanonicalConfig) -> [Reader] {
        let p = "blocks.\(l)"
        let kv = config.isGroupedQuery ? "_" : ""
        var list = [Reader(name: "\(p).attn.W_Q", bias: "\(p).attn.b_Q", outer: config.nHeads),
                    Reader(name: "\(p).attn.\(kv)W_K", bias: "\(p).attn.\(kv)b_K", outer: config.kvHeads),
                    Reader(name: "\(p).attn.\(kv)W_V", bias: "\(p).attn.\(kv)b_V", outer: config.kvHeads)]
        if let experts = config.numExperts, experts > 1 {
            list.append(Reader(name: "\(p).mlp.W_gate.weight", bias: nil, outer: experts))
            for e in 0..<experts {
                list.append(Reader(name: "\(p).mlp.experts.\(e).W_in.weight", bias: nil, outer: config.dMLP!))
                list.append(Reader(name: "\(p).mlp.experts.\(e).W_gate.weight", bias: nil, outer: config.dMLP!))
            }
        } else if !config.attnOnly {
            list.append(Reader(name: "\(p).mlp.W_in", bias: "\(p).mlp.b_in", outer: 1))
            if config.gatedMLP { list.append(Reader(name: "\(p).mlp.W_gate", bias: nil, outer: 1)) }
        }
        return list
    }

    private func apply(_ reader: Reader, _ w: StateDict, _ x: [Double], _ config: CanonicalConfig) throws -> [Float] {
        let weight = try #require(w[reader.name], "\(reader.name) missing")
        let inner = weight.elementCount / (reader.outer * config.dModel)
        var out = [Float]()
        for o in 0..<reader.outer {
            for i in 0..<inner {
                var sum = 0.0
                for d in 0..<config.dModel { sum += x[d] * Double(weight.values[(o * config.dModel + d) * inner + i]) }
                if let bias = reader.bias, let b = w[bias] { sum += Double(b.values[o * inner + i]) }
                out.append(Float(sum))
            }
        }
        return out
    }
}

/// LayerNorm / RMSNorm as TransformerLens defines them, in double; with no prefix the
/// parameter-free LNPre / RMSPre the fold leaves behind.
func normalise(_ x: [Float], _ w: StateDict, _ prefix: String?, _ config: CanonicalConfig) -> [Double] {
    let v = x.map(Double.init)
    let n = Double(v.count)
    let layerNorm = config.norm?.centres == true
    let centred = layerNorm ? v.map { $0 - v.reduce(0, +) / n } : v
    let scale = 1 / (centred.reduce(0) { $0 + $1 * $1 } / n + config.eps).squareRoot()
    var out = centred.map { $0 * scale }
    if let prefix {
        if let weight = w["\(prefix).w"] { out = zip(out, weight.values).map { $0 * Double($1) } }
        if let bias = w["\(prefix).b"] { out = zip(out, bias.values).map { $0 + Double($1) } }
    }
    return out
}

/// Random inputs for the processing tests, from the shared seeded generator.
extension SplitMix64 {
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
