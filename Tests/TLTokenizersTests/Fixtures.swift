import Foundation
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

extension Fixtures {
    /// CPU time of the calling thread spent in `body`: what a bound on a tokenizer's work
    /// means, unlike wall time, which grows with whatever else the machine runs.
    static func cpuSeconds(_ body: () throws -> Void) rethrows -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let start = now()
        try body()
        return now() - start
    }
}

extension Fixtures {
    /// The array `key` of a fixture JSON file (at least `minimum` rows).
    static func rows(_ file: String, _ key: String, minimum: Int) throws -> [JSONValue] {
        guard let rows = try JSONParser.parseFile(path(file))[key]?.arrayValue, rows.count >= minimum else {
            throw TLError.badFile(path: file, problem: "expected at least \(minimum) rows under \"\(key)\"")
        }
        return rows
    }
}
