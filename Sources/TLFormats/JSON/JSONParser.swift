import CJSONC
import TLCore

/// Parses JSON with json-c, strictly: valid UTF-8, one document, nothing after it
/// (a leading UTF-8 byte-order mark is skipped, as Python's `json.loads` does for bytes).
/// An object key holding U+0000 is refused: json-c would cut it there.
public enum JSONParser {
    /// What a key written twice in one object means.
    public enum DuplicateKeys: Sendable {
        /// As Python's `json.loads`: the last value wins, at the first key's place.
        case lastWins
        /// An error naming the key (for formats whose readers refuse or mis-read duplicates).
        case refuse
    }

    /// - Parameters:
    ///   - path: names the file in errors.
    ///   - keyName: how errors name a key, given it and its depth (1: the top-level object's).
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String, duplicateKeys: DuplicateKeys = .lastWins,
                             keyName: (_ key: String, _ depth: Int) -> String = { key, _ in "key '\(key)'" }) throws(TLError) -> JSONValue {
        var bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeRawBufferPointer(rebasing: bytes[3...]) }
        guard let tokener = json_tokener_new_ex(Int32(JSON_TOKENER_DEFAULT_DEPTH)) else {
            throw .badFile(path: path, problem: "cannot allocate a JSON parser")
        }
        defer { json_tokener_free(tokener) }
        json_tokener_set_flags(tokener, Int32(JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8))
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw .badFile(path: path, problem: "invalid JSON: empty")
        }
        guard bytes.count < Int(Int32.max) else {
            throw .badFile(path: path, problem: "JSON document too large (\(bytes.count) bytes)")
        }
        var object = json_tokener_parse_ex(tokener, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        var status = json_tokener_get_error(tokener)
        var consumed = Int(json_tokener_get_parse_end(tokener))
        if status == json_tokener_continue {
            // A top-level number or literal (`null`, `12`) ends only at a following byte.
            object = json_tokener_parse_ex(tokener, " ", 1)
            status = json_tokener_get_error(tokener)
            consumed = bytes.count
        }
        if status != json_tokener_success || (object == nil && !isLiteralNull(bytes)) {
            let reason = status == json_tokener_continue
                ? "unexpected end of input"
                : String(cString: json_tokener_error_desc(status))
            json_object_put(object)
            throw .badFile(path: path, problem: "invalid JSON: \(reason)")
        }
        defer { json_object_put(object) }
        // json-c stops after one value; anything but whitespace after it is an error.
        if bytes[consumed...].contains(where: { !isJSONWhitespace($0) }) {
            throw .badFile(path: path, problem: "invalid JSON: trailing data after the document")
        }
        if let problem = JSONKeyAudit.firstProblem(in: bytes, duplicates: duplicateKeys == .refuse) {
            let name = keyName(problem.key, problem.depth)
            switch problem.kind {
            case .nul: throw .badFile(path: path, problem: "\(name) contains a NUL character (\\u0000), which is not supported")
            case .duplicate: throw .badFile(path: path, problem: "duplicate \(name)")
            }
        }
        return try convert(object, path: path)
    }

    /// A document that must be an object (a config, an index): anything else is named.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer, path: String) throws(TLError) -> JSONValue {
        let value = try parse(bytes, path: path)
        guard value.objectMembers != nil else {
            throw .badFile(path: path, problem: "expected a JSON object, found \(value.kindDescription)")
        }
        return value
    }

    public static func parseObjectFile(_ path: String) throws(TLError) -> JSONValue {
        let storage = try ByteStorage.map(path: path)
        return try storage.withBytes { bytes throws(TLError) in try parseObject(bytes, path: path) }
    }

    public static func parse(_ text: String, path: String) throws(TLError) -> JSONValue {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in Result { () throws(TLError) in try parse(buffer, path: path) } }.get()
    }

    public static func parseFile(_ path: String) throws(TLError) -> JSONValue {
        let storage = try ByteStorage.map(path: path)
        return try storage.withBytes { bytes throws(TLError) in try parse(bytes, path: path) }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0
    }

    private static func isLiteralNull(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Array(bytes.filter { !isJSONWhitespace($0) }) == Array("null".utf8)
    }

    private static func convert(_ object: OpaquePointer?, path: String) throws(TLError) -> JSONValue {
        guard let object else { return .null }
        switch json_object_get_type(object) {
        case json_type_null: return .null
        case json_type_boolean: return .bool(json_object_get_boolean(object) != 0)
        case json_type_int: return .int(json_object_get_int64(object))
        case json_type_double: return .double(json_object_get_double(object))
        case json_type_string:
            let length = Int(json_object_get_string_len(object))
            guard let chars = json_object_get_string(object) else { return .string("") }
            let buffer = UnsafeRawBufferPointer(start: chars, count: length)
            return .string(String(decoding: buffer, as: UTF8.self))
        case json_type_array:
            let count = json_object_array_length(object)
            var items = [JSONValue]()
            items.reserveCapacity(count)
            for i in 0..<count {
                items.append(try convert(json_object_array_get_idx(object, i), path: path))
            }
            return .array(items)
        case json_type_object:
            var members = [(key: String, value: JSONValue)]()
            var iterator = json_object_iter_begin(object)
            var end = json_object_iter_end(object)
            while json_object_iter_equal(&iterator, &end) == 0 {
                let key = String(cString: json_object_iter_peek_name(&iterator))
                members.append((key, try convert(json_object_iter_peek_value(&iterator), path: path)))
                json_object_iter_next(&iterator)
            }
            return .object(members)
        default:
            throw .badFile(path: path, problem: "invalid JSON: unknown value type")
        }
    }
}
