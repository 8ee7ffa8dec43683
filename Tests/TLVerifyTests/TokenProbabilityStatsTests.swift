import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLVerify
import TLTestSupport

/// llama.cpp's statistics in `verify`: against numpy on committed dumps
/// (tools/verify_stats_reference.py → Fixtures/verify-stats/expected.json), and the edge cases.
@Suite struct TokenProbabilityStatsTests {
    /// CONTRACT.md's keys, all of which every report object (overall and per row) carries.
    static let contractKeys = ["ppl_ref", "ppl_ours", "ln_ppl_ratio", "kl_median", "kl_min"]
        + OrderStatistics.ladder.map { "kl_\($0.suffix)" }
        + ["delta_p_mean", "delta_p_rms", "delta_p_max", "delta_p_min", "delta_p_median"]
        + OrderStatistics.ladder.map { "delta_p_\($0.suffix)" } + ["same_top_p"]

    static let expected = Fixtures.path("verify-stats/expected.json")

    static var cases: [String] {
        (try? JSONParser.parseFile(expected))?["cases"]?.objectMembers?.map(\.key) ?? []
    }

    /// Every key numpy computed, overall and per batch row, within 1e-6 relative. KL values
    /// at rounding level (KL ≈ 1e-14 where both logits agree to float32 precision) differ by
    /// the summation order of the log-normaliser, ~1e-16 absolutely: an absolute 1e-12 covers them.
    @Test(arguments: cases)
    func statisticsMatchNumpy(name: String) throws {
        let spec = try #require(try JSONParser.parseFile(Self.expected)["cases"]?[name])
        let reference = try #require(spec["reference"]?.stringValue)
        let oursPath = try #require(spec["ours"]?.stringValue)
        let dump = try ReferenceDump.load(Fixtures.path(reference))
        let ours = try SafeTensorsFile(path: Fixtures.path(oursPath)).tensor(named: "logits").float32()
        let json = Verifier.report(reference: dump, ours: ours).json
        let expectedRows = try #require(spec["rows"]?.arrayValue)
        let actualRows = try #require(json["rows"]?.arrayValue)
        #expect(actualRows.count == expectedRows.count)
        let pairs = [("overall", spec["overall"], json)]
            + zip(expectedRows, actualRows).enumerated().map { ("row \($0.offset)", $0.element.0, $0.element.1) }
        var (worst, worstTiny) = (0.0, 0.0)
        for (label, want, got) in pairs {
            let members = try #require(want?.objectMembers, "\(name) \(label): no expected values")
            #expect(Set(members.map(\.key)).isSuperset(of: Self.contractKeys), "\(name) \(label): numpy misses a key")
            for (key, value) in members {
                if value == .null {
                    #expect(got[key] == .null, "\(name) \(label) \(key): \(String(describing: got[key])), numpy null")
                    continue
                }
                let a = try #require(got[key]?.doubleValue, "\(name) \(label): no number for \(key)")
                let b = try #require(value.doubleValue)
                let difference = abs(a - b)
                if abs(b) > 1e-10 { worst = max(worst, difference / abs(b)) } else { worstTiny = max(worstTiny, difference) }
                #expect(difference <= 1e-6 * abs(b) + 1e-12, "\(name) \(label) \(key): \(a), numpy \(b)")
            }
        }
        print("\(name): numpy vs Swift, max relative difference \(worst) (values above 1e-10), max absolute \(worstTiny) below")
    }

    @Test func percentilesAreNumpys() throws {
        // np.percentile([3, -1, 2.5, 7, 0.25], q) for the ladder (and 50 for the median).
        let order = try #require(OrderStatistics([3, -1, 2.5, 7, 0.25]))
        let numpy = [6.984000000000002, 6.84, 6.199999999999999, 5.4, -0.5, -0.75, -0.95, -0.995]
        for (got, want) in zip(order.percentiles, numpy) { #expect(abs(got - want) <= 1e-15 * max(1, abs(want))) }
        #expect(order.median == 2.5 && order.minimum == -1 && order.maximum == 7)
        let single = try #require(OrderStatistics([0.5]))
        #expect(single.percentiles.allSatisfy { $0 == 0.5 } && single.median == 0.5)
        #expect(OrderStatistics([]) == nil)
    }

    /// A dump of one row: `logits` `[1, seq, 3]`, tokens cycling through the vocabulary.
    static func dump(_ logits: [Float], seq: Int, mask: [Int]? = nil) -> ReferenceDump {
        ReferenceDump(path: "test", tokens: [(0..<seq).map { $0 % 3 }], logits: FloatTensor(shape: [1, seq, 3], values: logits),
                      attentionMask: mask.map { [$0] })
    }

    static func softmax(_ logits: [Double]) -> [Double] {
        let sum = logits.map { exp($0) }.reduce(0, +)
        return logits.map { exp($0) / sum }
    }

    @Test func identicalLogitsAgreeCompletely() throws {
        let reference = Self.dump([1, 2, 3, 0, -1, 5, 2, 2, -3], seq: 3)
        let stats = Verifier.report(reference: reference, ours: reference.logits).overall.tokenStats
        let next = try #require(stats.nextToken)
        let kl = try #require(stats.kl)
        #expect(stats.tokenPositions == 2)
        #expect(kl.maximum == 0 && kl.minimum == 0 && kl.percentiles.allSatisfy { $0 == 0 })
        #expect(next.deltaP.maximum == 0 && next.deltaP.minimum == 0 && next.deltaPMean == 0 && next.deltaPRMS == 0)
        #expect(next.lnPplRatio == 0 && next.pplReference == next.pplOurs)
        #expect(stats.sameTopP == 1)
        // Tokens 1 and 2 follow positions 0 and 1: ppl = (p₀(1)·p₁(2))^(−½).
        let p = Self.softmax([1, 2, 3])[1] * Self.softmax([0, -1, 5])[2]
        #expect(abs(next.pplReference - 1 / p.squareRoot()) <= 1e-12 * next.pplReference)
    }

    /// One position: the KL ladder collapses to its value; with no next token, the token
    /// statistics are undefined and the JSON says null.
    @Test func singlePositionHasNoNextToken() throws {
        let report = Verifier.report(reference: Self.dump([0, 0, 0], seq: 1), ours: FloatTensor(shape: [1, 1, 3], values: [1, 0, 0]))
        let stats = report.overall.tokenStats
        let kl = try #require(stats.kl)
        #expect(kl.percentiles.allSatisfy { $0 == report.overall.klMax } && kl.median == kl.minimum && kl.maximum > 0)
        #expect(stats.tokenPositions == 0 && stats.nextToken == nil)
        #expect(stats.sameTopP == 1)  // both argmaxes are index 0 (the reference's tie resolves to the lowest)
        #expect(report.json["ppl_ref"] == .null && report.json["delta_p_p0_1"] == .null)
        #expect(report.json["kl_p99_9"]?.doubleValue == report.overall.klMax)
        #expect(report.table.contains("ppl_ref       —"), "\(report.table)")
    }

    /// Padding after the first position: one compared position, nothing scored; padding
    /// after the second: position 0 scores token 1, position 1 scores nothing.
    @Test func allMaskedButOne() throws {
        let reference: [Float] = [0, 1, 2, 2, 1, 0, 9, 9, 9, 9, 9, 9]
        let ours: [Float] = [0, 2, 1, 1, 1, 1, -9, 9, -9, 9, -9, 9]
        let one = Verifier.report(reference: Self.dump(reference, seq: 4, mask: [1, 0, 0, 0]),
                                  ours: FloatTensor(shape: [1, 4, 3], values: ours))
        #expect(one.overall.positions == 1 && one.overall.tokenStats.tokenPositions == 0)
        #expect(one.overall.tokenStats.nextToken == nil)
        #expect(one.overall.tokenStats.sameTopP == 0)

        let two = Verifier.report(reference: Self.dump(reference, seq: 4, mask: [1, 1, 0, 0]),
                                  ours: FloatTensor(shape: [1, 4, 3], values: ours))
        let stats = two.overall.tokenStats
        let next = try #require(stats.nextToken)
        #expect(two.overall.positions == 2 && stats.tokenPositions == 1)
        let pRef = Self.softmax([0, 1, 2])[1], pOurs = Self.softmax([0, 2, 1])[1]
        #expect(abs(next.pplReference - 1 / pRef) <= 1e-12 / pRef)
        #expect(abs(next.pplOurs - 1 / pOurs) <= 1e-12 / pOurs)
        #expect(abs(next.lnPplRatio - (log(pRef) - log(pOurs))) <= 1e-12)
        let deltaP = pOurs - pRef
        let order = [next.deltaP.maximum, next.deltaP.minimum, next.deltaP.median] + next.deltaP.percentiles
        #expect(order.allSatisfy { abs($0 - deltaP) <= 1e-12 })
        #expect(abs(next.deltaPMean - deltaP) <= 1e-12 && abs(next.deltaPRMS - abs(deltaP)) <= 1e-12)
        #expect(stats.sameTopP == 0.5)  // position 1: both argmaxes are index 0; position 0: 2 vs 1
    }

    /// A fully padded row reports nulls where the statistics need a position; every report
    /// object carries every key.
    @Test func everyObjectCarriesEveryKey() throws {
        let logits = FloatTensor(shape: [2, 2, 3], values: [0, 1, 2, 2, 1, 0, 1, 1, 1, 1, 1, 1])
        let dump = ReferenceDump(path: "test", tokens: [[0, 1], [2, 2]], logits: logits, attentionMask: [[1, 1], [0, 0]])
        let json = Verifier.report(reference: dump, ours: logits).json
        let rows = try #require(json["rows"]?.arrayValue)
        for object in [json] + rows {
            for key in Self.contractKeys + ["token_positions"] { #expect(object[key] != nil, "missing \(key)") }
        }
        #expect(rows[1]["kl_median"] == .null && rows[1]["same_top_p"] == .null && rows[1]["token_positions"]?.intValue == 0)
        #expect(json["token_positions"]?.intValue == 1)
    }

    /// The second block: one statistic a line under the JSON keys' names, aligned, between
    /// the metrics table and the verdict.
    @Test func tableShowsTheSecondBlock() throws {
        let dump = try ReferenceDump.load(Fixtures.path("dumps/gpt2-padded.safetensors"))
        let ours = try SafeTensorsFile(path: Fixtures.path("verify-stats/gpt2-padded-perturbed.safetensors"))
            .tensor(named: "logits").float32()
        let table = Verifier.report(reference: dump, ours: ours).table
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("llama.cpp statistics") })
        #expect(lines[start].contains("at 34 of 36 positions"))
        let labels = lines[(start + 1)...].prefix { !$0.isEmpty }.map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(labels == ["ppl_ref", "ppl_ours", "ln_ppl_ratio", "same_top_p", "kl", "mean", "rms", "max",
                           "p99_9", "p99", "p95", "p90", "median", "p10", "p5", "p1", "p0_1", "min"])
        // The ladder's columns line up: every cell of the delta_p column starts where its header does.
        let ladder = lines[(start + 5)...].prefix { !$0.isEmpty }.map { Array($0) }
        let header = try #require(ladder.first)
        let column = try #require((0..<header.count).first { String(header[$0...]).hasPrefix("delta_p") })
        for line in ladder.dropFirst() { #expect(line.count > column && line[column - 1] == " " && line[column] != " ") }
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
        #expect(lines.last?.hasPrefix("result: FAIL") == true)
    }
}
