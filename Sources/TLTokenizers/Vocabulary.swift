/// Token text ↔ id, exact on scalars.
struct Vocabulary: Sendable {
    private(set) var ids: [ExactString: Int] = [:]
    private(set) var tokens: [Int: String] = [:]

    init() {}

    subscript(token: String) -> Int? { ids[ExactString(token)] }
    subscript(id id: Int) -> String? { tokens[id] }
    var count: Int { ids.count }

    /// Later entries win, as when serde reads a JSON map with a repeated key.
    mutating func set(_ token: String, _ id: Int) {
        if let old = ids[ExactString(token)], tokens[old].map({ $0.sameScalars(token) }) == true {
            tokens[old] = nil
        }
        ids[ExactString(token)] = id
        tokens[id] = token
    }
}
