import TLCore

/// tokenizer.json's `post_processor`, for one sequence: which special tokens surround
/// it when special tokens are asked for. Offsets-only processors (ByteLevel) add nothing.
indirect enum PostProcessor: Sendable {
    enum Piece: Sendable {
        case sequence
        case special([Token])
    }

    case template([Piece])
    case sequence([PostProcessor])
    case none

    static func parse(_ json: JSONFields) throws(TLError) -> PostProcessor {
        let type = try json.type()
        switch type {
        case "TemplateProcessing":
            let specials = try json.object("special_tokens")
            var pieces = [Piece]()
            for item in try json.objects("single") {
                if let seq = item.value["Sequence"] {
                    guard seq["id"]?.stringValue == "A" else { throw item.fail("Sequence", "a single-sequence template must use $A") }
                    pieces.append(.sequence)
                } else if item.has("SpecialToken") {
                    let name = try item.object("SpecialToken").string("id")
                    let special = try specials.object(name)
                    let ids = try special.array("ids").map { v throws(TLError) -> Int in
                        guard let i = v.intValue, i >= 0 else { throw special.fail("ids", "expected non-negative integers") }
                        return i
                    }
                    let tokens = try special.array("tokens").map { v throws(TLError) -> String in
                        guard let s = v.stringValue else { throw special.fail("tokens", "expected strings") }
                        return s
                    }
                    guard ids.count == tokens.count else { throw special.fail("ids", "ids and tokens differ in length") }
                    pieces.append(.special(zip(ids, tokens).map { Token(id: $0, value: $1) }))
                } else {
                    throw item.fail("single", "expected a Sequence or a SpecialToken")
                }
            }
            return .template(pieces)
        case "BertProcessing", "RobertaProcessing":
            let cls = try pair(json, "cls"), sep = try pair(json, "sep")
            return .template([.special([cls]), .sequence, .special([sep])])
        case "ByteLevel":
            return .none
        case "Sequence":
            var steps = [PostProcessor]()
            for item in try json.objects("processors") { steps.append(try parse(item)) }
            return .sequence(steps)
        default:
            throw .unsupported("\(json.file): unsupported post-processor type '\(type)' (at \(json.place))")
        }
    }

    /// `["[CLS]", 101]`.
    private static func pair(_ json: JSONFields, _ key: String) throws(TLError) -> Token {
        let a = try json.array(key)
        guard a.count == 2, let token = a[0].stringValue, let id = a[1].intValue, id >= 0 else {
            throw json.fail(key, "expected [token, id]")
        }
        return Token(id: id, value: token)
    }

    /// A template whose only specials are `bos` before and `eos` after the sequence,
    /// as transformers' Llama/Gemma/GPT-NeoX tokenizers rebuild it from add_bos_token/add_eos_token.
    static func bosEOS(bos: Token?, eos: Token?) -> PostProcessor {
        var pieces = [Piece]()
        if let bos { pieces.append(.special([bos])) }
        pieces.append(.sequence)
        if let eos { pieces.append(.special([eos])) }
        return .template(pieces)
    }

    /// How many tokens the specials add (truncation leaves room for them).
    var addedCount: Int {
        switch self {
        case .template(let pieces):
            return pieces.reduce(0) { n, p in if case .special(let t) = p { return n + t.count }; return n }
        case .sequence(let steps): return steps.reduce(0) { $0 + $1.addedCount }
        case .none: return 0
        }
    }

    func process(_ tokens: [Token]) -> [Token] {
        switch self {
        case .template(let pieces):
            return pieces.flatMap { piece -> [Token] in
                switch piece {
                case .sequence: return tokens
                case .special(let specials): return specials
                }
            }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.process($0) }
        case .none:
            return tokens
        }
    }
}
