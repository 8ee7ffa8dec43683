import TLCore

/// tokenizer.json's `truncation` and `padding`, as they apply to one sequence.
struct Truncation: Sendable {
    let maxLength: Int
    let fromLeft: Bool

    static func parse(_ json: JSONFields) throws(TLError) -> Truncation {
        let direction = try json.optionalString("direction") ?? "Right"
        guard direction == "Right" || direction == "Left" else { throw json.fail("direction", "expected Left or Right") }
        return Truncation(maxLength: try json.int("max_length"), fromLeft: direction == "Left")
    }

    func apply(_ tokens: [Token], reserving added: Int) -> [Token] {
        let limit = max(0, maxLength - added)
        guard tokens.count > limit else { return tokens }
        return fromLeft ? Array(tokens.suffix(limit)) : Array(tokens.prefix(limit))
    }
}

struct Padding: Sendable {
    /// Longer fixed paddings are refused as malformed (real files pad to model contexts).
    static let maxLength = 1 << 24
    let fixedLength: Int?
    let multipleOf: Int?
    let padLeft: Bool
    let pad: Token

    static func parse(_ json: JSONFields) throws(TLError) -> Padding {
        var fixed: Int? = nil
        if let strategy = json.value["strategy"], strategy.stringValue != "BatchLongest" {
            guard let n = strategy["Fixed"]?.intValue, (0...Padding.maxLength).contains(n) else {
                throw json.fail("strategy", "expected \"BatchLongest\" or {\"Fixed\": n}")
            }
            fixed = n
        }
        let direction = try json.optionalString("direction") ?? "Right"
        let multiple = try json.optionalInt("pad_to_multiple_of")
        if let multiple, multiple > maxLength { throw json.fail("pad_to_multiple_of", "\(multiple) is too large") }
        return Padding(fixedLength: fixed, multipleOf: multiple,
                       padLeft: direction == "Left",
                       pad: Token(id: try json.int("pad_id", default: 0), value: try json.optionalString("pad_token") ?? "[PAD]"))
    }

    func apply(_ tokens: [Token]) -> [Token] {
        var target = fixedLength ?? tokens.count
        if let m = multipleOf, m > 0, target % m != 0 { target += m - target % m }
        guard target > tokens.count else { return tokens }
        let fill = Array(repeating: pad, count: target - tokens.count)
        return padLeft ? fill + tokens : tokens + fill
    }
}
