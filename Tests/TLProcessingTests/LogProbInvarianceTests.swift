import Foundation
import Testing
import TLConversion
import TLCore
import TLFormats
import TLForward
import TLModel
@testable import TLProcessing
import TLTestSupport

/// The point of processing: the model computes the same thing. On every fixture, the
/// forward pass over our processed weights gives the next-token log-probs of the
/// unprocessed weights: TransformerLens's raw weights where it has them (Mixtral
/// included), else the converted checkpoint (Gemma, Gemma 2: post-norms, soft-caps).
/// Processed Mixtral and Gemmas also still match Hugging Face.
struct LogProbInvarianceTests {
    static let tolerance: Double = 1e-4

    static var modes: [(String, ProcessingOptions)] {
        var refactorDefaults = ProcessingOptions.tlDefaults
        refactorDefaults.refactorFactoredAttnMatrices = true
        return [("fold_ln", .init(foldLN: true)), ("defaults", .tlDefaults), ("defaults+refactor", refactorDefaults)]
    }

    @Test("processing leaves next-token log-probs unchanged", arguments: Fixtures.rawCases)
    func logProbsUnchanged(_ fixture: FixtureCase) throws {
        let raw = try Fixtures.referenceWeights(fixture.name, "raw")
        let rawConfig = try Fixtures.referenceConfig(fixture.name, "raw")
        let tokens = try Self.inputIDs(fixture.name)
        let before = try logProbs(Transformer(config: rawConfig, weights: raw).logits(tokens: tokens))
        for (mode, options) in Self.modes {
            if options.refactorFactoredAttnMatrices && (fixture.rotary || rawConfig.isGroupedQuery) { continue }
            let (weights, config) = try ProcessingPipeline(options: options).process(all: raw, config: rawConfig)
            let after = try logProbs(Transformer(config: config, weights: weights).logits(tokens: tokens))
            let delta = zip(before, after).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
            #expect(delta <= Self.tolerance, "\(fixture.name) \(mode): log-probs moved by \(delta)")
            print("[processing] \(fixture.name) \(mode): max |Δ log-prob| vs unprocessed \(delta)")
        }
    }

    @Test("processed Mixtral still matches Hugging Face")
    func mixtralMatchesHuggingFace() throws {
        let name = "mixtral"
        guard Fixtures.rawCases.contains(where: { $0.name == name }) else {
            Issue.record("no mixtral fixture")
            return
        }
        let raw = try Fixtures.referenceWeights(name, "raw")
        let (weights, config) = try ProcessingPipeline(options: .tlDefaults).process(all: raw, config: try Fixtures.referenceConfig(name, "raw"))
        let file = try SafeTensorsFile(path: Fixtures.model(name) + "/hf_logits.safetensors")
        let hf = try logProbs(file.tensor(named: "logits").float32())
        let ours = try logProbs(Transformer(config: config, weights: weights).logits(tokens: try Self.inputIDs(name)))
        let delta = zip(hf, ours).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(delta <= Self.tolerance, "mixtral defaults vs Hugging Face: \(delta)")
        print("[processing] mixtral defaults vs Hugging Face: max |Δ log-prob| \(delta)")
    }

    @Test("processing converted checkpoints keeps log-probs and Hugging Face agreement",
          arguments: Fixtures.cases.filter { !$0.has("raw") })
    func convertedLogProbsUnchanged(_ fixture: FixtureCase) throws {
        let checkpoint = try HFCheckpoint.open(Fixtures.model(fixture.name))
        let module = try checkpoint.module()
        let rawConfig = try module.canonicalConfig(from: checkpoint.config, modelID: fixture.name)
        let mapper = try WeightMapper(module: module, config: rawConfig, checkpoint: checkpoint)
        var raw = StateDict()
        for group in WeightGroup.all(layers: rawConfig.nLayers) { raw.merge(try mapper.map(group)) { a, _ in a } }
        let tokens = try Self.inputIDs(fixture.name)
        let before = try logProbs(Transformer(config: rawConfig, weights: raw).logits(tokens: tokens))
        let file = try SafeTensorsFile(path: Fixtures.logitsReference(fixture.name))
        let hf = try logProbs(file.tensor(named: "logits").float32())
        for (mode, options) in Self.modes where !options.refactorFactoredAttnMatrices || !(fixture.rotary || rawConfig.isGroupedQuery) {
            let (weights, config) = try ProcessingPipeline(options: options).process(all: raw, config: rawConfig)
            let after = try logProbs(Transformer(config: config, weights: weights).logits(tokens: tokens))
            let delta = zip(before, after).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
            let deltaHF = zip(hf, after).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
            #expect(delta <= Self.tolerance, "\(fixture.name) \(mode): log-probs moved by \(delta)")
            #expect(deltaHF <= Self.tolerance, "\(fixture.name) \(mode): \(deltaHF) from Hugging Face")
            print("[processing] \(fixture.name) \(mode) (converted): max |Δ log-prob| vs unprocessed \(delta), vs Hugging Face \(deltaHF)")
        }
    }

    static func inputIDs(_ name: String) throws -> [[Int]] {
        let file = try SafeTensorsFile(path: Fixtures.logitsReference(name))
        let ids = try file.tensor(named: "input_ids")
        let values = ids.integers().map(Int.init)
        let width = ids.shape[1]
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    }
}

/// Log-softmax over the last axis, in double.
func logProbs(_ logits: FloatTensor) -> [Double] {
    let vocab = logits.shape.last ?? 1
    var out = [Double]()
    out.reserveCapacity(logits.elementCount)
    for start in stride(from: 0, to: logits.elementCount, by: vocab) {
        let row = logits.values[start..<(start + vocab)].map(Double.init)
        let top = row.max() ?? 0
        let log = top + Foundation.log(row.reduce(0) { $0 + exp($1 - top) })
        out.append(contentsOf: row.map { $0 - log })
    }
    return out
}
