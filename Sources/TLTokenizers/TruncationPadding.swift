import TLCore

/// tokenizer.json's `truncation` and `padding`, as they apply to one sequence.
struct Truncation: Sendable {
    let maxLength: Int
    let fromLeft: Bool
    /// Overlap of the overflowing pieces (which tlconvert does not return); tokenizers refuses
    /// to truncate when it is not below the room left for the sequence.
    var stride = 0

    static let strategies: Set<String> = ["LongestFirst", "OnlyFirst", "OnlySecond"]

    /// tokenizers requires `max_length`, `strategy` and `stride`.
    static func parse(_ json: JSONFields) throws(TLError) -> Truncation {
        let direction = try json.optionalString("direction") ?? "Right"
        guard direction == "Right" || direction == "Left" else { throw json.fail("direction", "expected Left or Right") }
        let strategy = try json.string("strategy")
        guard strategies.contains(strategy) else { throw json.fail("strategy", "expected one of \(strategies.sorted())") }
        return Truncation(maxLength: try json.int("max_length"), fromLeft: direction == "Left", stride: try json.int("stride"))
    }

    func apply(_ tokens: [Token], reserving added: Int, file: String) throws(TLError) -> [Token] {
        let limit = max(0, maxLength - added)
        guard tokens.count > limit else { return tokens }
        guard limit == 0 || stride < limit else {
            throw .badFile(path: file, problem: "truncation.stride: \(stride) is not below max_length \(maxLength) minus "
                           + "\(added) special tokens (tokenizers refuses to truncate with it)")
        }
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
