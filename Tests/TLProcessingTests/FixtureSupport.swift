import Foundation
import TLCore
import TLFormats
import TLModel

/// Fixtures written by tools/make_fixtures.py (TransformerLens 2.16.1 references).
enum Fixtures {
    /// The package root, found by walking up from this file to Package.swift.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static let models = root.appendingPathComponent("Fixtures/models")

    struct Case: Decodable, CustomStringConvertible, Sendable {
        let name: String
        let rotary: Bool
        let gqa: Bool
        let tlReferences: Bool
        let tlProcessings: [String]
        let tlProcessedBroken: Bool
        var description: String { name }

        enum CodingKeys: String, CodingKey {
            case name, rotary, gqa
            case tlReferences = "tl_references", tlProcessings = "tl_processings"
            case tlProcessedBroken = "tl_processed_broken"
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            rotary = try c.decodeIfPresent(Bool.self, forKey: .rotary) ?? false
            gqa = try c.decodeIfPresent(Bool.self, forKey: .gqa) ?? false
            tlReferences = try c.decodeIfPresent(Bool.self, forKey: .tlReferences) ?? false
            tlProcessings = try c.decodeIfPresent([String].self, forKey: .tlProcessings) ?? []
            tlProcessedBroken = try c.decodeIfPresent(Bool.self, forKey: .tlProcessedBroken) ?? false
        }

        func has(_ processing: String) -> Bool {
            tlReferences && tlProcessings.contains(processing)
                && FileManager.default.fileExists(atPath: Fixtures.path(name, "tl/\(processing).safetensors"))
        }
    }

    private struct Manifest: Decodable { let cases: [Case] }

    /// Every manifest case (empty when the fixtures are not there).
    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("Fixtures/manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    /// Cases whose processed TransformerLens references are right (Mixtral's are not).
    static func referenceCases(_ processing: String) -> [Case] {
        cases.filter { $0.has(processing) && $0.has("raw") && !$0.tlProcessedBroken }
    }

    /// Cases with TransformerLens's raw weights (processing input), broken ones included.
    static var rawCases: [Case] { cases.filter { $0.has("raw") } }

    static func path(_ caseName: String, _ file: String) -> String {
        models.appendingPathComponent(caseName).appendingPathComponent(file).path
    }

    static func weights(_ caseName: String, _ processing: String) throws -> StateDict {
        let file = try SafeTensorsFile(path: path(caseName, "tl/\(processing).safetensors"))
        var out = StateDict()
        for info in file.tensorInfos { out[info.name] = try file.tensor(named: info.name).float32() }
        return out
    }

    static func config(_ caseName: String, _ processing: String) throws -> CanonicalConfig {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(caseName, "tl/\(processing).cfg.json")))
        return try JSONDecoder().decode(CanonicalConfig.self, from: data)
    }
}

/// The acceptance tolerance: |ours − theirs| ≤ 2e-5 + 1e-4·|theirs|.
enum Tolerance {
    static let absolute: Float = 2e-5
    static let relative: Float = 1e-4

    /// The largest |a − b| and whether every element is within tolerance.
    static func compare(_ ours: [Float], _ theirs: [Float]) -> (maxError: Float, within: Bool) {
        var maxError: Float = 0
        var within = ours.count == theirs.count
        for (a, b) in zip(ours, theirs) {
            let error = abs(a - b)
            if !(error <= absolute + relative * abs(b)) { within = false }
            if !(error <= maxError) { maxError = error.isNaN ? .infinity : error }
        }
        return (maxError, within)
    }
}
