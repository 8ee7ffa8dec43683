import Foundation
import Testing
import TLCore
import TLFormats
@testable import TLTokenizers
import TLTestSupport

/// Hostile and malformed tokenizer.json files against what Hugging Face `tokenizers` does with
/// them (tools/make_tokenizer_cases.py --only hostile): the same ids where it gives ids, a
/// `TLError` where it refuses (at load where it refuses at load), and never more than 5 s of CPU.
struct HostileTokenizerTests {
    static let fixture = "tokenizers/hostile.json"
    /// Where tlconvert deliberately differs: `tokenizers` grinds through a normalizer chain that
    /// doubles the text ten times, and Oniguruma's 10M-retry limit lets `(.*a){20}` backtrack
    /// about a million times on 30 `a`s; tlconvert refuses growth past `Normalizer.maxGrowth` and
    /// gives a regex `RegexMatcher.budget` steps (200,000 + 40 per scalar).
    static let refusedHere: Set<String> = ["10 doubling Replace normalizers on 10 a", "(.*a){20} on 30 a"]

    /// Oniguruma's syntax and semantics, as `Split(Regex(p), "isolated")` pieces.
    @Test func regexCasesMatchOniguruma() throws {
        let rows = try Fixtures.rows(Self.fixture, "regex", minimum: 25)
        for row in rows {
            let pattern = try #require(row["pattern"]?.stringValue)
            let text = try #require(row["text"]?.stringValue)
            guard let pieces = row["pieces"]?.arrayValue?.compactMap(\.stringValue) else {
                #expect(throws: TLError.self, "\(pattern)") { try CompiledRegex(pattern, place: "pattern", file: "t.json") }
                continue
            }
            let regex = try CompiledRegex(pattern, place: "pattern", file: "t.json")
            let split = PreTokenizer.split(.regex(regex), .isolated, invert: false)
            let got = try split.preTokenize([TextPiece(text: text, atOrigin: true)]).map(\.text)
            #expect(got == pieces, "\(pattern.debugDescription) on \(text.debugDescription)")
        }
    }

    @Test func filesEndLikeTokenizers() throws {
        let rows = try Fixtures.rows(Self.fixture, "files", minimum: 30)
        for row in rows {
            let name = try #require(row["name"]?.stringValue)
            let spec = try #require(row["spec"])
            let text = try #require(row["text"]?.stringValue)
            let special = row["add_special_tokens"]?.boolValue ?? false
            let outcome = try #require(row["outcome"]?.stringValue)
            var loadError: TLError? = nil, encodeError: TLError? = nil
            var encoded: (ids: [Int], tokens: [String])? = nil
            let elapsed = Fixtures.cpuSeconds {
                do throws(TLError) {
                    let tokenizer = try Tokenizer(json: spec, path: "t.json")
                    do throws(TLError) {
                        encoded = try tokenizer.encode(text, addSpecialTokens: special)
                    } catch {
                        encodeError = error
                    }
                } catch {
                    loadError = error
                }
            }
            #expect(elapsed < 5, "\(name): \(elapsed) s")
            for error in [loadError, encodeError].compactMap({ $0 }) {
                #expect(error.description.hasPrefix("t.json: ") && !error.description.contains("\n"), "\(name): \(error)")
                #expect(error.exitCode == 2)
            }
            switch Self.refusedHere.contains(name) ? "encode_error" : outcome {
            case "load_error":
                #expect(loadError != nil, "\(name): loaded, tokenizers refuses it: \(row["error"]?.stringValue ?? "")")
            case "encode_error":
                #expect(loadError == nil, "\(name): refused at load, tokenizers loads it: \(loadError.map(\.description) ?? "")")
                #expect(encodeError != nil, "\(name): encoded, tokenizers refuses: \(row["error"]?.stringValue ?? "")")
            default:
                #expect(loadError == nil && encodeError == nil, "\(name): \(String(describing: loadError ?? encodeError))")
                #expect(encoded?.ids == row["ids"]?.arrayValue?.compactMap(\.intValue), "\(name)")
                #expect(encoded?.tokens == row["tokens"]?.arrayValue?.compactMap(\.stringValue), "\(name)")
            }
        }
    }

    /// The catastrophic pattern on growing inputs: always an error naming the file, quickly.
    @Test(arguments: [25, 1_000, 100_000])
    func regexBombGivesUpQuickly(length: Int) throws {
        let body = #"{"model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(a+)+$"}, "behavior": "Isolated", "invert": false}}"#
        let tokenizer = try Tokenizer(json: try JSONParser.parse(body, path: "bomb.json"), path: "bomb.json")
        var message = ""
        let elapsed = Fixtures.cpuSeconds {
            do throws(TLError) {
                _ = try tokenizer.encode(String(repeating: "a", count: length) + "b")
            } catch {
                message = error.description
            }
        }
        #expect(message.hasPrefix("bomb.json: pre_tokenizer.pattern: regular expression \"(a+)+$\" gave up after"), "\(message)")
        #expect(elapsed < 5, "\(elapsed) s")
    }

    /// Real tokenizer patterns stay far inside the budget: a few steps per scalar.
    @Test(arguments: [PreTokenizer.gpt2Pattern, TokenizerPatterns.llama3])
    func realPatternsUseFewStepsPerScalar(pattern: String) throws {
        let text = String(repeating: "The model's 12345 layers   don't [fold] naïve café 日本語 🙂👍🏽\n\t  x = f(a, b);  ", count: 300)
        let regex = try CompiledRegex(pattern, place: "pattern", file: "t.json")
        var matcher = RegexMatcher(regex.program, text: Array(text.unicodeScalars))
        var from = 0
        while let found = try matcher.search(from: from) { from = max(found.upperBound, found.lowerBound + 1) }
        let perScalar = Double(matcher.steps) / Double(text.unicodeScalars.count)
        #expect(perScalar < 15, "\(perScalar) steps per scalar")
    }
}

enum TokenizerPatterns {
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}
