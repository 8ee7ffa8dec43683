import Foundation
import TLFormats

/// The committed fixtures, found from this file's path (the package root holds Package.swift).
enum Fixtures {
    static let root: String = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("Fixtures").path
    }()

    static func model(_ name: String) -> String { "\(root)/models/\(name)" }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let architecture: String
        let tlReferences: Bool
        /// Config fields TransformerLens 2.16.1 gets wrong for this model, with the right value.
        let tlWrongConfig: [String: JSONValue]
        var description: String { name }
    }

    static let cases: [Case] = {
        guard let manifest = try? JSONParser.parseFile("\(root)/manifest.json"),
              let entries = manifest["cases"]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let name = entry["name"]?.stringValue, let architecture = entry["architecture"]?.stringValue else { return nil }
            let wrong = entry["tl_wrong_cfg"]?.objectMembers ?? []
            return Case(name: name, architecture: architecture, tlReferences: entry["tl_references"]?.boolValue ?? false,
                        tlWrongConfig: Dictionary(wrong.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
        }
    }()

    static let withTLReferences = cases.filter(\.tlReferences)
}
