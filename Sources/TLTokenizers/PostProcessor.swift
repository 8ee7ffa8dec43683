import TLCore

/// tokenizer.json's `post_processor`, for one sequence or a pair (A, B): which special tokens
/// surround them when special tokens are asked for, and each piece's type id (BERT's segment:
/// 0 for A, 1 for B). Offsets-only processors (ByteLevel) add nothing.
indirect enum PostProcessor: Sendable {
    enum Piece: Sendable {
        /// `$A` (`second` false) or `$B`, with its type id.
        case sequence(second: Bool, typeID: Int)
        case special([Token], typeID: Int)
    }

    /// The single-sequence template, and the pair template (nil: the file has none).
    case template(single: [Piece], pair: [Piece]?)
    case sequence([PostProcessor])
    case none

    static func parse(_ json: JSONFields) throws(TLError) -> PostProcessor {
        let type = try json.type()
        switch type {
        case "TemplateProcessing":
            let specials = try json.object("special_tokens")
            let single = try pieces(json, "single", specials: specials, pair: false)
            let pair = json.has("pair") ? try pieces(json, "pair", specials: specials, pair: true) : nil
            return .template(single: single, pair: pair)
        case "BertProcessing":
            let cls = try pair(json, "cls"), sep = try pair(json, "sep")
            return .template(single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
                             pair: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0),
                                    .sequence(second: true, typeID: 1), .special([sep], typeID: 1)])
        case "RobertaProcessing":
            // `<s> A </s> </s> B </s>`, every type id 0.
            let cls = try pair(json, "cls"), sep = try pair(json, "sep")
            return .template(single: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep], typeID: 0)],
                             pair: [.special([cls], typeID: 0), .sequence(second: false, typeID: 0), .special([sep, sep], typeID: 0),
                                    .sequence(second: true, typeID: 0), .special([sep], typeID: 0)])
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

    /// One template (`single` or `pair`) of a TemplateProcessing.
    private static func pieces(_ json: JSONFields, _ key: String, specials: JSONFields, pair: Bool) throws(TLError) -> [Piece] {
        var pieces = [Piece]()
        for item in try json.objects(key) {
            if item.has("Sequence") {
                let seq = try item.object("Sequence")
                let id = try seq.string("id")
                guard id == "A" || (pair && id == "B") else {
                    throw item.fail("Sequence", pair ? "a pair template uses $A and $B" : "a single-sequence template must use $A")
                }
                pieces.append(.sequence(second: id == "B", typeID: try typeID(seq)))
            } else if item.has("SpecialToken") {
                let token = try item.object("SpecialToken")
                let name = try token.string("id")
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
                pieces.append(.special(zip(ids, tokens).map { Token(id: $0, value: $1) }, typeID: try typeID(token)))
            } else {
                throw item.fail(key, "expected a Sequence or a SpecialToken")
            }
        }
        return pieces
    }

    private static func typeID(_ json: JSONFields) throws(TLError) -> Int {
        guard json.has("type_id") else { return 0 }
        guard let id = json.value["type_id"]?.intValue, id >= 0 else { throw json.fail("type_id", "expected a non-negative integer") }
        return id
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
        if let bos { pieces.append(.special([bos], typeID: 0)) }
        pieces.append(.sequence(second: false, typeID: 0))
        if let eos { pieces.append(.special([eos], typeID: 0)) }
        return .template(single: pieces, pair: nil)
    }

    /// How many tokens the specials add to one sequence (truncation leaves room for them).
    var addedCount: Int {
        switch self {
        case .template(let pieces, _):
            return pieces.reduce(0) { n, p in if case .special(let t, _) = p { return n + t.count }; return n }
        case .sequence(let steps): return steps.reduce(0) { $0 + $1.addedCount }
        case .none: return 0
        }
    }

    func process(_ tokens: [Token]) -> [Token] {
        process(TypedTokens(tokens, typeID: 0), pair: nil).tokens
    }

    /// Tokens with their type ids: one sequence, or the concatenation of a pair.
    struct TypedTokens: Sendable {
        var tokens: [Token]
        var typeIDs: [Int]

        init(_ tokens: [Token], typeID: Int) {
            self.tokens = tokens
            typeIDs = Array(repeating: typeID, count: tokens.count)
        }

        mutating func append(_ other: TypedTokens) {
            tokens += other.tokens
            typeIDs += other.typeIDs
        }
    }

    /// Whether this processor can put two sequences together.
    var handlesPairs: Bool {
        switch self {
        case .template(_, let pair): return pair != nil
        case .sequence(let steps): return steps.allSatisfy { step in
            if case .none = step { return true }
            return step.handlesPairs
        } && steps.contains { if case .none = $0 { return false } else { return true } }
        case .none: return false
        }
    }

    /// The template applied to `a` (and `b`); without a pair template a pair is refused before
    /// this is called (`handlesPairs`), and steps that add nothing keep the concatenation.
    func process(_ a: TypedTokens, pair b: TypedTokens?) -> TypedTokens {
        switch self {
        case .template(let single, let pair):
            let pieces = b == nil ? single : (pair ?? single)
            var out = TypedTokens([], typeID: 0)
            for piece in pieces {
                switch piece {
                case .sequence(let second, let typeID):
                    let source = second ? (b ?? TypedTokens([], typeID: 0)) : a
                    out.append(TypedTokens(source.tokens, typeID: typeID))
                case .special(let specials, let typeID):
                    out.append(TypedTokens(specials, typeID: typeID))
                }
            }
            return out
        case .sequence(let steps):
            // A Sequence's template step joins the pair; the others (ByteLevel) pass through.
            var joined: TypedTokens?
            var result = a
            for step in steps {
                if case .none = step { continue }
                result = step.process(joined ?? a, pair: joined == nil ? b : nil)
                joined = result
            }
            if joined == nil, let b { result.append(b) }
            return result
        case .none:
            var out = a
            if let b { out.append(b) }
            return out
        }
    }
}
