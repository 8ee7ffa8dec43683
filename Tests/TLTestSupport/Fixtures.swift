import Foundation
import TLCore
import TLFormats
import TLModel

/// The committed fixtures (tools/make_fixtures.py), found from this file's path: the package
/// root is the first folder above it holding Package.swift. Shared by every test target.
public enum Fixtures {
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// `<package>/Fixtures`.
    public static let root: String = packageRoot + "/Fixtures"

    /// A path below Fixtures/.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// A model folder: `Fixtures/models/<name>`.
    public static func model(_ name: String) -> String { root + "/models/" + name }

    /// TransformerLens's reference for a case and processing (raw | fold_ln | defaults | refactor),
    /// without extension: add `.safetensors`, `.cfg.json` or `.logits.safetensors`.
    public static func reference(_ name: String, _ processing: String) -> String {
        model(name) + "/tl/" + processing
    }

    /// The logits a case's conversions must reproduce: `hf_logits.safetensors` (transformers), or for a
    /// remote-code model without a transformers class, TransformerLens's (manifest `logits_reference`).
    public static func logitsReference(_ name: String) -> String {
        model(name) + "/" + (cases.first { $0.name == name }?.logitsReference ?? "hf_logits.safetensors")
    }

    /// TransformerLens's parameters for a case and processing, as float32.
    public static func referenceWeights(_ name: String, _ processing: String) throws -> StateDict {
        let file = try SafeTensorsFile(path: reference(name, processing) + ".safetensors")
        var out = StateDict()
        for info in file.tensorInfos { out[info.name] = try file.tensor(named: info.name).float32() }
        return out
    }

    /// TransformerLens's `cfg.to_dict()` for a case and processing.
    public static func referenceConfig(_ name: String, _ processing: String) throws -> CanonicalConfig {
        let data = try Data(contentsOf: URL(fileURLWithPath: reference(name, processing) + ".cfg.json"))
        return try JSONDecoder().decode(CanonicalConfig.self, from: data)
    }

    /// Every case of Fixtures/manifest.json (empty when the fixtures are not there).
    public static let cases: [FixtureCase] = {
        guard let manifest = try? JSONParser.parseFile(path("manifest.json")),
              let entries = manifest["cases"]?.arrayValue else { return [] }
        return entries.compactMap(FixtureCase.init(entry:))
    }()

    /// The cases TransformerLens made references for.
    public static let withTLReferences = cases.filter(\.tlReferences)
}

/// One case of Fixtures/manifest.json: the fields tests rely on.
public struct FixtureCase: Sendable, CustomStringConvertible {
    public let name: String
    public let family: String
    public let architecture: String
    public let rotary: Bool
    public let gqa: Bool
    public let tlReferences: Bool
    /// The processings with TransformerLens references (tl/<processing>.*).
    public let tlProcessings: [String]
    /// TransformerLens's processed references are known wrong (Mixtral's fold_ln); raw is fine.
    public let tlProcessedBroken: Bool
    /// Config fields TransformerLens 2.16.1 gets wrong for this model, with the right value.
    public let tlWrongConfig: [String: JSONValue]
    /// The TransformerLens major version of the references (cases made by tools/make_olmo_fixtures.py
    /// record 3.x; the others are the manifest's 2.16.1).
    public let transformerLensMajor: Int
    /// The reference logits' file in the model folder (`hf_logits.safetensors` unless the manifest says).
    public let logitsReference: String
    public var description: String { name }

    init?(entry: JSONValue) {
        guard let name = entry["name"]?.stringValue, let architecture = entry["architecture"]?.stringValue else { return nil }
        self.name = name
        self.architecture = architecture
        family = entry["family"]?.stringValue ?? ""
        rotary = entry["rotary"]?.boolValue ?? false
        gqa = entry["gqa"]?.boolValue ?? false
        tlReferences = entry["tl_references"]?.boolValue ?? false
        tlProcessings = (entry["tl_processings"]?.arrayValue ?? []).compactMap(\.stringValue)
        tlProcessedBroken = entry["tl_processed_broken"]?.boolValue ?? false
        let wrong = entry["tl_wrong_cfg"]?.objectMembers ?? []
        tlWrongConfig = Dictionary(wrong.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let version = entry["versions"]?["transformer_lens"]?.stringValue ?? "2"
        transformerLensMajor = Int(version.prefix { $0.isNumber }) ?? 2
        logitsReference = entry["logits_reference"]?.stringValue ?? "hf_logits.safetensors"
    }
}
