/// A dictionary key that compares strings scalar by scalar. Swift's `String` treats
/// canonically equivalent text (`é` and `e` + U+0301) as equal; a vocabulary may hold
/// both as different tokens.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

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
