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
