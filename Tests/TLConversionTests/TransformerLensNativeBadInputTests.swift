import Foundation
import Testing
import TLFormats
import TLTestSupport

/// A TransformerLens-native directory whose config.json or `.pth` is wrong: exit 2 and one
/// line naming the file or tensor.
struct TransformerLensNativeBadInputTests {
    /// A copy of a fixture repo with its config.json edited by `edit`.
    static func repo(_ name: String, _ edit: @Sendable (inout String) -> Void) throws -> String {
        let dir = NSTemporaryDirectory() + "tl-native-bad-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Fixtures.path("tl-native/\(name)/repo"), toPath: dir)
        var text = try String(contentsOfFile: dir + "/config.json", encoding: .utf8)
        edit(&text)
        try text.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        return dir
    }

    static let cases: [(String, String, @Sendable (inout String) -> Void, String)] = [
        ("malformed", "solu-2l", { $0 = String($0.dropLast(3)) }, "config.json"),
        ("missing field", "solu-2l", { $0 = $0.replacingOccurrences(of: "\"attn_only\"", with: "\"attn_onl\"") }, "missing boolean 'attn_only'"),
        ("misshapen", "solu-2l", { $0 = $0.replacingOccurrences(of: "\"d_model\": 8", with: "\"d_model\": 12") }, "tensor 'embed.W_E': has shape [64, 8]"),
        ("missing tensor", "solu-2l", { $0 = $0.replacingOccurrences(of: "\"n_layers\": 2", with: "\"n_layers\": 3") }, "blocks.2."),
        ("extra tensor", "solu-2l", { $0 = $0.replacingOccurrences(of: "\"n_layers\": 2", with: "\"n_layers\": 1") }, "'blocks.1."),
        ("bad normalization", "gelu-2l", { $0 = $0.replacingOccurrences(of: "\"LN\"", with: "\"BatchNorm\"") }, "'normalization_type' 'BatchNorm'"),
    ]

    @Test(arguments: cases.indices)
    func exitsTwoWithOneLine(_ index: Int) throws {
        let (label, fixture, edit, needle) = Self.cases[index]
        let dir = try Self.repo(fixture, edit)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try TLConvertProcess.run(["convert", dir, "-o", dir + "-out"])
        #expect(result.status == 2, "\(label): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(label): \(result.stderr)")
        #expect(result.stderr.contains(needle), "\(label): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "-out"))
    }
}
