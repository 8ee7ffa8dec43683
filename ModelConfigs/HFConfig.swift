import TLCore
import TLFormats

/// A Hugging Face `config.json`, read with typed accessors that name the file and
/// key in their errors. Defaults passed by the family files are the defaults of
/// the matching `transformers` config class (4.57), which `AutoConfig` would fill in.
public struct HFConfig: Sendable {
    public let json: JSONValue
    /// The file, for error messages.
    public let path: String
    /// What TransformerLens records as `original_architecture` when it is not the family's own
    /// name (a multimodal wrapper's language model: Gemma 3's keeps the wrapper's).
    public var recordedArchitecture: String?

    public init(json: JSONValue, path: String) throws(TLError) {
        guard json.objectMembers != nil else {
            throw .badFile(path: path, problem: "expected a JSON object")
        }
        self.json = json
        self.path = path
    }

    public init(path: String) throws(TLError) {
        try self.init(json: try JSONParser.parseObjectFile(path), path: path)
    }

    /// The first entry of `architectures`, if any.
    public var architecture: String? { json["architectures"]?.arrayValue?.first?.stringValue }

    /// Whether `key` is written at all (possibly as null).
    public func isWritten(_ key: String) -> Bool { json[key] != nil }

    /// Whether `key` is present with a non-null value.
    public func has(_ key: String) -> Bool {
        guard let value = json[key] else { return false }
        return !value.isNull
    }

    private func missing(_ key: String, _ kind: String) -> TLError {
        .badFile(path: path, problem: "missing \(kind) '\(key)'")
    }

    private func wrong(_ key: String, _ kind: String) -> TLError {
        .badFile(path: path, problem: "'\(key)' should be \(kind)")
    }

    // MARK: Required values

    public func int(_ key: String) throws(TLError) -> Int {
        guard let value = try optionalInt(key) else { throw missing(key, "integer") }
        return value
    }

    public func double(_ key: String) throws(TLError) -> Double {
        guard let value = try optionalDouble(key) else { throw missing(key, "number") }
        return value
    }

    public func string(_ key: String) throws(TLError) -> String {
        guard let value = try optionalString(key) else { throw missing(key, "string") }
        return value
    }

    // MARK: Values with the config class's default

    public func int(_ key: String, default value: Int) throws(TLError) -> Int {
        try optionalInt(key) ?? value
    }

    public func double(_ key: String, default value: Double) throws(TLError) -> Double {
        try optionalDouble(key) ?? value
    }

    public func string(_ key: String, default value: String) throws(TLError) -> String {
        try optionalString(key) ?? value
    }

    public func bool(_ key: String, default value: Bool) throws(TLError) -> Bool {
        guard has(key) else { return value }
        guard let b = json[key]?.boolValue else { throw wrong(key, "true or false") }
        return b
    }

    // MARK: Optional values (absent or null → nil)

    /// A positive-or-zero integer; negative sizes are rejected as malformed.
    public func optionalInt(_ key: String) throws(TLError) -> Int? {
        guard has(key) else { return nil }
        guard let v = json[key]?.intValue else { throw wrong(key, "an integer") }
        guard v >= 0 else { throw wrong(key, "a non-negative integer") }
        return v
    }

    public func optionalDouble(_ key: String) throws(TLError) -> Double? {
        guard has(key) else { return nil }
        guard let v = json[key]?.doubleValue, v.isFinite else { throw wrong(key, "a finite number") }
        return v
    }

    public func optionalString(_ key: String) throws(TLError) -> String? {
        guard has(key) else { return nil }
        guard let v = json[key]?.stringValue else { throw wrong(key, "a string") }
        return v
    }

    public func optionalStrings(_ key: String) throws(TLError) -> [String]? {
        guard has(key) else { return nil }
        guard let items = json[key]?.arrayValue else { throw wrong(key, "a list of strings") }
        var out = [String]()
        for item in items {
            guard let s = item.stringValue else { throw wrong(key, "a list of strings") }
            out.append(s)
        }
        return out
    }

    /// A nested object, e.g. `rope_scaling`.
    public func object(_ key: String) -> JSONValue? {
        guard has(key), json[key]?.objectMembers != nil else { return nil }
        return json[key]
    }

    /// `a / b` for sizes that must divide exactly (`hidden_size / num_attention_heads`).
    public func ratio(_ a: String, _ b: String, _ numerator: Int, _ denominator: Int) throws(TLError) -> Int {
        guard denominator > 0, numerator % denominator == 0 else {
            throw .badFile(path: path, problem: "'\(a)' (\(numerator)) is not divisible by '\(b)' (\(denominator))")
        }
        return numerator / denominator
    }
}
