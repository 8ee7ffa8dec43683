import TLCore

/// tokenizer.json's `decoder`: turns token strings back into text. Each step maps a
/// list of strings to a list of strings; the results are joined at the end.
indirect enum Decoder: Sendable {
    case sequence([Decoder])
    case byteLevel
    case metaspace(replacement: Unicode.Scalar, prependScheme: PreTokenizer.PrependScheme)
    case replace(TextPattern, String)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case wordPiece(prefix: String, cleanup: Bool)
    case bpe(suffix: String)
    case ctc(pad: String, wordDelimiter: String, cleanup: Bool)

    static func parse(_ json: JSONFields) throws(TLError) -> Decoder {
        let type = try json.type()
        switch type {
        case "Sequence":
            var steps = [Decoder]()
            for item in try json.objects("decoders") { steps.append(try parse(item)) }
            return .sequence(steps)
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            guard case .metaspace(let replacement, let scheme, _) = try PreTokenizer.parse(json) else {
                throw json.fail("type", "bad Metaspace decoder")
            }
            return .metaspace(replacement: replacement, prependScheme: scheme)
        case "Replace": return .replace(try json.pattern("pattern"), try json.string("content"))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(content: try json.character("content"), start: try json.int("start"), stop: try json.int("stop"))
        case "WordPiece":
            return .wordPiece(prefix: try json.optionalString("prefix") ?? "##", cleanup: try json.bool("cleanup", default: true))
        case "BPEDecoder": return .bpe(suffix: try json.optionalString("suffix") ?? "</w>")
        case "CTC":
            return .ctc(pad: try json.optionalString("pad_token") ?? "<pad>",
                        wordDelimiter: try json.optionalString("word_delimiter_token") ?? "|",
                        cleanup: try json.bool("cleanup", default: true))
        default:
            throw .unsupported("\(json.file): unsupported decoder type '\(type)' (at \(json.place))")
        }
    }

    func decode(_ tokens: [String]) -> String { decodeChain(tokens).joined() }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        case .byteLevel:
            // A token with a character outside the byte alphabet (an added token) keeps its own UTF-8.
            var bytes = [UInt8]()
            for token in tokens {
                let mapped = token.unicodeScalars.map { ByteLevelAlphabet.bytes[$0] }
                if mapped.allSatisfy({ $0 != nil }) {
                    bytes.append(contentsOf: mapped.compactMap { $0 })
                } else {
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { i, token in
                var out = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == replacement {
                        if !(i == 0 && scheme != .never) { out.append(" ") }
                    } else {
                        out.append(c)
                    }
                }
                return String(out)
            }
        case .replace(let pattern, let content):
            // Decoding cannot fail (its callers show tokens); a pattern that gives up on a
            // vocabulary entry leaves that token as it is.
            return tokens.map { token in
                guard let ranges = try? pattern.matchRanges(in: token) else { return token }
                return token.replacing(ranges: ranges, with: content)
            }
        case .byteFallback:
            var out = [String]()
            var pending = [UInt8]()
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(s)
                } else {
                    out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.fallbackByte(token) {
                    pending.append(byte)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let chars = Array(token.unicodeScalars)
                var startCut = 0
                for i in 0..<min(start, chars.count) {
                    guard chars[i] == content else { break }
                    startCut = i + 1
                }
                var stopCut = chars.count
                for i in 0..<min(stop, chars.count) {
                    let index = chars.count - i - 1
                    guard chars[index] == content else { break }
                    stopCut = index
                }
                guard startCut < stopCut else { return "" }
                return String(String.UnicodeScalarView(chars[startCut..<stopCut]))
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, token in
                var t = token
                if i != 0 {
                    if t.startsWithScalars(prefix) {
                        t = String(Substring(t.utf8.dropFirst(prefix.utf8.count)))
                    } else {
                        t = " " + t
                    }
                }
                return cleanup ? Self.cleanup(t) : t
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { i, token in
                token.replacingScalars(suffix, with: i == tokens.count - 1 ? "" : " ")
            }
        case .ctc(let pad, let wordDelimiter, let cleanup):
            var deduplicated = [String]()
            for t in tokens where deduplicated.last.map({ !$0.sameScalars(t) }) ?? true { deduplicated.append(t) }
            return deduplicated.compactMap { token in
                var t = token.replacingScalars(pad, with: "")
                if cleanup { t = Self.cleanup(t).replacingScalars(wordDelimiter, with: " ") }
                return t.isEmpty ? nil : t
            }
        }
    }

    /// `<0xNN>` → NN.
    private static func fallbackByte(_ token: String) -> UInt8? {
        let b = Array(token.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "<"), b[1] == UInt8(ascii: "0"), b[2] == UInt8(ascii: "x"),
              b[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: b[3..<5], as: UTF8.self), radix: 16)
    }

    /// WordPiece's English detokenization rules.
    static func cleanup(_ text: String) -> String {
        let rules: [(String, String)] = [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                                         (" n't", "n't"), (" 'm", "'m"), (" do not", " don't"),
                                         (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")]
        return rules.reduce(text) { $0.replacingScalars($1.0, with: $1.1) }
    }
}
