import Foundation
import Testing
import TLCore
import TLModel
@testable import TLProcessing
import TLTestSupport

/// `--tl-defaults --refactor-factored-attn-matrices`: TransformerLens's references have
/// no such combination, so what the refactor must preserve is checked against its
/// `defaults` weights: every QK and OV product (with biases), every other parameter,
/// and the shape of the factors (W_O orthonormal rows, W_Q and W_K columns of equal norm).
struct DefaultsRefactorTests {
    @Test("defaults + refactor keep TransformerLens's QK and OV circuits", arguments: Fixtures.referenceCases("defaults").filter { !$0.rotary && !$0.gqa })
    func circuitsPreserved(_ fixture: FixtureCase) throws {
        let raw = try Fixtures.referenceWeights(fixture.name, "raw")
        let rawConfig = try Fixtures.referenceConfig(fixture.name, "raw")
        let expected = try Fixtures.referenceWeights(fixture.name, "defaults")
        var options = ProcessingOptions.tlDefaults
        options.refactorFactoredAttnMatrices = true
        let (ours, _) = try ProcessingPipeline(options: options).process(all: raw, config: rawConfig)
        let (n, dModel, dHead) = (rawConfig.nHeads, rawConfig.dModel, rawConfig.dHead)
        var worst: Float = 0
        for l in 0..<rawConfig.nLayers {
            let p = "blocks.\(l).attn"
            for h in 0..<n {
                let qk = { (w: StateDict) throws -> [Float] in
                    let q = try effective(w, "\(p).W_Q", "\(p).b_Q", h: h, dModel: dModel, dHead: dHead)
                    let k = try effective(w, "\(p).W_K", "\(p).b_K", h: h, dModel: dModel, dHead: dHead)
                    return product(q, transposed(k, rows: dModel + 1, cols: dHead), m: dModel + 1, k: dHead, n: dModel + 1)
                }
                let ov = { (w: StateDict) throws -> [Float] in
                    let v = Array(try #require(w["\(p).W_V"]).values[(h * dModel * dHead)..<((h + 1) * dModel * dHead)])
                    let o = Array(try #require(w["\(p).W_O"]).values[(h * dModel * dHead)..<((h + 1) * dModel * dHead)])
                    return product(v, o, m: dModel, k: dHead, n: dModel)
                }
                for (label, ourCircuit, theirCircuit) in [("QK", try qk(ours), try qk(expected)), ("OV", try ov(ours), try ov(expected))] {
                    let (error, within) = Tolerance.compare(ourCircuit, theirCircuit)
                    #expect(within, "\(fixture.name) layer \(l) head \(h) \(label) circuit off by \(error)")
                    worst = max(worst, error)
                }
                // W_O's rows are orthonormal; W_Q's and W_K's columns have equal norms (√S).
                let o = Array(ours["\(p).W_O"]!.values[(h * dModel * dHead)..<((h + 1) * dModel * dHead)])
                let gram = product(o, transposed(o, rows: dHead, cols: dModel), m: dHead, k: dModel, n: dHead)
                for i in 0..<dHead { for j in 0..<dHead { #expect(abs(gram[i * dHead + j] - (i == j ? 1 : 0)) < 1e-4) } }
                let q = try effective(ours, "\(p).W_Q", "\(p).b_Q", h: h, dModel: dModel, dHead: dHead)
                let k = try effective(ours, "\(p).W_K", "\(p).b_K", h: h, dModel: dModel, dHead: dHead)
                for c in 0..<dHead {
                    let qNorm = (0...dModel).reduce(Float(0)) { $0 + q[$1 * dHead + c] * q[$1 * dHead + c] }
                    let kNorm = (0...dModel).reduce(Float(0)) { $0 + k[$1 * dHead + c] * k[$1 * dHead + c] }
                    #expect(abs(qNorm - kNorm) <= 1e-4 * max(1, qNorm), "\(p) head \(h) column \(c) norms")
                }
            }
        }
        for (name, theirs) in expected where !["W_Q", "W_K", "W_V", "W_O", "b_Q", "b_K"].contains(where: { name.hasSuffix("attn.\($0)") }) {
            if skipsUninitialised(name, config: rawConfig) { continue }
            let (error, within) = Tolerance.compare(try #require(ours[name]).values, theirs.values)
            #expect(within, "\(fixture.name): \(name) off by \(error)")
        }
        print("[processing] \(fixture.name) defaults+refactor: QK/OV circuits max |Δ| \(worst)")
    }

    /// `[W[h]; b[h]]`, the (d_model+1) × d_head matrix the refactor factorises.
    private func effective(_ w: StateDict, _ weight: String, _ bias: String, h: Int, dModel: Int, dHead: Int) throws -> [Float] {
        Array(try #require(w[weight]).values[(h * dModel * dHead)..<((h + 1) * dModel * dHead)])
            + Array(try #require(w[bias]).values[(h * dHead)..<((h + 1) * dHead)])
    }
}

/// Naive row-major product in double, independent of the code under test.
func product(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for t in 0..<k { sum += Double(a[i * k + t]) * Double(b[t * n + j]) }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

func transposed(_ a: [Float], rows: Int, cols: Int) -> [Float] {
    var out = [Float](repeating: 0, count: a.count)
    for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = a[r * cols + c] } }
    return out
}
