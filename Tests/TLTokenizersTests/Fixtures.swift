import TLCore
import TLFormats
import TLTokenizers
import TLTestSupport

/// The tokenizer reference cases in the shared fixtures (TLTestSupport).
extension Fixtures {
    /// One reference encoding written by Hugging Face `tokenizers` (tools/fixture_tokenizers.py,
    /// tools/make_tokenizer_cases.py).
    struct Case: CustomStringConvertible {
        let directory: String
        let text: String
        let addSpecialTokens: Bool
        let ids: [Int]
        let tokens: [String]
        let decoded: String
        let lossless: Bool
        var description: String { "\(directory) \(text.debugDescription) special=\(addSpecialTokens)" }
    }

    static func cases(_ file: String, under directory: String) throws -> [Case] {
        var json = try JSONParser.parseFile(path(file))
        if let nested = json["cases"] { json = nested }
        guard let list = json.arrayValue else { throw TLError.badFile(path: file, problem: "expected a list of cases") }
        return try list.map { try parseCase($0, directory: directory) }
    }

    static func parseCase(_ c: JSONValue, directory: String) throws -> Case {
        guard let name = c["tokenizer"]?.stringValue, let text = c["text"]?.stringValue,
              let special = c["add_special_tokens"]?.boolValue, let ids = c["ids"]?.arrayValue?.compactMap(\.intValue),
              let tokens = c["tokens"]?.arrayValue?.compactMap(\.stringValue), let decoded = c["decoded"]?.stringValue,
              let lossless = c["lossless"]?.boolValue
        else { throw TLError.badFile(path: "cases", problem: "malformed case") }
        return Case(directory: "\(directory)/\(name)", text: text, addSpecialTokens: special, ids: ids,
                    tokens: tokens, decoded: decoded, lossless: lossless)
    }

    /// Loads each tokenizer once.
    final class TokenizerCache {
        private var loaded = [String: Tokenizer]()
        func tokenizer(_ directory: String) throws -> Tokenizer {
            if let t = loaded[directory] { return t }
            let t = try Tokenizer.load(path: path(directory + "/tokenizer.json"))
            loaded[directory] = t
            return t
        }
    }
}
