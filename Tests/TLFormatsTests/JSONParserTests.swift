import Testing
import TLCore
@testable import TLFormats

/// What json-c alone gets wrong or words badly: NUL in keys, repeated keys, a BOM,
/// and a document that is not the object a reader expects.
struct JSONParserTests {
    private func parse(_ text: String, duplicateKeys: JSONParser.DuplicateKeys = .lastWins) -> Result<JSONValue, TLError> {
        Array(text.utf8).withUnsafeBytes { bytes in
            Result { () throws(TLError) in try JSONParser.parse(bytes, path: "x.json", duplicateKeys: duplicateKeys) }
        }
    }

    @Test func keyWithNULIsRefusedNotCut() throws {
        #expect(throws: TLError.badFile(path: "x.json", problem: "key 'a\0b' contains a NUL character (\\u0000), which is not supported")) {
            try parse(#"{"x":{"a\u0000b":1}}"#).get()
        }
        // In a value it is kept whole; an escaped backslash before "u0000" is no NUL.
        #expect(try parse(#"{"v":"a\u0000b","a\\u0000b":2}"#).get()
                == .object([("v", .string("a\0b")), (#"a\u0000b"#, .int(2))]))
    }

    @Test func duplicateKeysAreRefusedOnlyWhenAsked() throws {
        // Python's json.loads: the last value wins, at the first key's place.
        #expect(try parse(#"{"a":1,"b":2,"a":3}"#).get() == .object([("a", .int(3)), ("b", .int(2))]))
        #expect(throws: TLError.badFile(path: "x.json", problem: "duplicate key 'a'")) {
            try parse(#"{"b":{"a":1,"\u0061":2}}"#, duplicateKeys: .refuse).get()
        }
        // The same key in different objects, or as a value, is no duplicate.
        #expect(try parse(#"{"a":{"a":"a"},"b":[{"a":1},{"a":2}]}"#, duplicateKeys: .refuse).get()["b"]?.arrayValue?.count == 2)
    }

    @Test func leadingByteOrderMarkIsSkipped() throws {
        #expect(try parse("\u{FEFF}{\"a\":1}").get() == .object([("a", .int(1))]))
    }

    @Test func topLevelScalarsParse() throws {
        #expect(try parse("null").get() == .null)
        #expect(try parse("12").get() == .int(12))
        #expect(try parse(" true ").get() == .bool(true))
        #expect(throws: TLError.badFile(path: "x.json", problem: "invalid JSON: unexpected end of input")) { try parse(#"{"a":"#).get() }
    }

    @Test func nonObjectWhereAnObjectIsExpectedIsNamed() throws {
        for (text, kind) in [("null", "null"), ("[1]", "an array"), ("\"s\"", "a string"), ("3.5", "a number")] {
            let error = Array(text.utf8).withUnsafeBytes { bytes in
                thrownError { () throws(TLError) in try JSONParser.parseObject(bytes, path: "config.json") }
            }
            #expect(error == .badFile(path: "config.json", problem: "expected a JSON object, found \(kind)"))
        }
        let path = TestSupport.file(Array("null".utf8), named: "model.safetensors.index.json")
        #expect(thrownError { () throws(TLError) in try ShardedCheckpoint(indexPath: path) }
                == .badFile(path: path, problem: "expected a JSON object, found null"))
    }
}
