import TLCore
import TLFormats

/// Typed access to one object of tokenizer.json, so every malformed field becomes a
/// `TLError` naming the file and the field (`model.merges[3]: expected …`).
struct JSONFields {
    let value: JSONValue
    /// Where this object sits in the document, for error messages.
    let place: String
    let file: String

    init(_ value: JSONValue, place: String, file: String) {
        self.value = value
        self.place = place
        self.file = file
    }

    func fail(_ key: String, _ problem: String) -> TLError {
        .badFile(path: file, problem: "\(place.isEmpty ? key : "\(place).\(key)"): \(problem)")
    }

    /// The `type` tag of a component.
    func type() throws(TLError) -> String {
        guard let type = value["type"]?.stringValue else { throw fail("type", "missing component type") }
        return type
    }

    func has(_ key: String) -> Bool {
        guard let member = value[key] else { return false }
        return !member.isNull
    }

    func string(_ key: String) throws(TLError) -> String {
        guard let s = value[key]?.stringValue else { throw fail(key, "expected a string") }
        return s
    }

    func optionalString(_ key: String) throws(TLError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let s = member.stringValue else { throw fail(key, "expected a string or null") }
        return s
    }

    func bool(_ key: String, default fallback: Bool) throws(TLError) -> Bool {
        guard let member = value[key], !member.isNull else { return fallback }
        guard let b = member.boolValue else { throw fail(key, "expected true or false") }
        return b
    }

    func optionalBool(_ key: String) throws(TLError) -> Bool? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let b = member.boolValue else { throw fail(key, "expected true, false or null") }
        return b
    }

    func int(_ key: String, default fallback: Int? = nil) throws(TLError) -> Int {
        guard let member = value[key], !member.isNull else {
            if let fallback { return fallback }
            throw fail(key, "missing integer")
        }
        guard let i = member.intValue, i >= 0 else { throw fail(key, "expected a non-negative integer") }
        return i
    }

    func optionalInt(_ key: String) throws(TLError) -> Int? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let i = member.intValue, i >= 0 else { throw fail(key, "expected a non-negative integer") }
        return i
    }

    func array(_ key: String) throws(TLError) -> [JSONValue] {
        guard let a = value[key]?.arrayValue else { throw fail(key, "expected an array") }
        return a
    }

    func object(_ key: String) throws(TLError) -> JSONFields {
        guard let member = value[key], member.objectMembers != nil else { throw fail(key, "expected an object") }
        return JSONFields(member, place: place.isEmpty ? key : "\(place).\(key)", file: file)
    }

    /// The objects of an array member, each with its place (`decoders[2]`).
    func objects(_ key: String) throws(TLError) -> [JSONFields] {
        var result = [JSONFields]()
        for (i, item) in try array(key).enumerated() {
            let itemPlace = "\(place.isEmpty ? key : "\(place).\(key)")[\(i)]"
            guard item.objectMembers != nil else {
                throw .badFile(path: file, problem: "\(itemPlace): expected an object")
            }
            result.append(JSONFields(item, place: itemPlace, file: file))
        }
        return result
    }

    /// A single character field such as Metaspace's `replacement`.
    func character(_ key: String) throws(TLError) -> Unicode.Scalar {
        let s = try string(key)
        var scalars = s.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else {
            throw fail(key, "expected exactly one character, got \(s.debugDescription)")
        }
        return first
    }

    /// `{"String": "…"}` or `{"Regex": "…"}`, as Split and Replace write their patterns.
    func pattern(_ key: String) throws(TLError) -> TextPattern {
        let member = try object(key)
        if let literal = member.value["String"]?.stringValue { return .literal(literal) }
        if let regex = member.value["Regex"]?.stringValue {
            return .regex(try CompiledRegex(regex, place: member.place, file: file))
        }
        throw fail(key, "expected {\"String\": …} or {\"Regex\": …}")
    }
}
