import Foundation
import Testing
import TLCore
@testable import TLFormats
import TLTestSupport

/// Every malformed safetensors case the issue lists, each with its one-line message.
struct SafeTensorsBadInputTests {
    private func error(_ bytes: [UInt8]) -> String? {
        let path = TestSupport.file(bytes, named: "m.safetensors")
        let failure = thrownError { () throws(TLError) in try CheckpointOpener.open(path) }
        #expect(failure == nil || failure?.exitCode == 2)
        return failure.map { "\($0)".replacingOccurrences(of: path, with: "m.safetensors") }
    }

    private let f32x2 = TestSupport.floats([1, 2])

    @Test func truncatedAndEmpty() {
        #expect(error([]) == "m.safetensors: empty file")
        #expect(error([1, 2, 3]) == "m.safetensors: truncated: 3 bytes, shorter than the 8-byte header length")
        let good = TestSupport.safetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: f32x2)
        #expect(error(Array(good.prefix(good.count - 3)))
                == "m.safetensors: tensor 'a': data_offsets [0, 8] lie outside the 5-byte data buffer (truncated file?)")
    }

    @Test func headerLengthBeyondFileAndOverLimit() {
        #expect(error(TestSupport.le(UInt64(500)) + Array("{}".utf8))
                == "m.safetensors: truncated: header length 500 runs past the end of the file (10 bytes)")
        #expect(error(TestSupport.le(UInt64(100_000_001)) + Array("{}".utf8))
                == "m.safetensors: header length 100000001 exceeds the 100000000-byte limit (not a safetensors file?)")
    }

    @Test func invalidJSONAndUnknownDtype() {
        #expect(error(TestSupport.safetensors(header: #"{"a":{"dtype":"F32",}"#, data: []))?
                    .hasPrefix("m.safetensors: invalid JSON") == true)
        #expect(error(TestSupport.safetensors(header: #"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0]))
                == "m.safetensors: tensor 'a': unknown dtype 'F8_E4M3'")
        #expect(error(TestSupport.safetensors(header: "{\"a\":\"\u{FFFD}\"}", data: []))
                == "m.safetensors: tensor 'a': entry is not a JSON object")
        var invalidUTF8 = TestSupport.safetensors(header: #"{"a":"xx"}"#, data: [])
        invalidUTF8[14] = 0xFF
        #expect(error(invalidUTF8)?.hasPrefix("m.safetensors: invalid JSON") == true)
    }

    @Test func offsetsOverlapOrOutOfRangeOrHoles() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(error(TestSupport.safetensors(header: overlap, data: f32x2))
                == "m.safetensors: tensor 'b': data_offsets overlap those of 'a'")
        let outside = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
        #expect(error(TestSupport.safetensors(header: outside, data: f32x2))
                == "m.safetensors: tensor 'a': data_offsets [8, 16] lie outside the 8-byte data buffer (truncated file?)")
        let hole = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(error(TestSupport.safetensors(header: hole, data: f32x2))
                == "m.safetensors: tensor 'a': hole of 4 bytes before its data (offsets not contiguous)")
        let backwards = #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#
        #expect(error(TestSupport.safetensors(header: backwards, data: f32x2))
                == "m.safetensors: tensor 'a': data_offsets [8, 0] are not an increasing pair")
    }

    /// Python's safetensors sees "a\0b" where json-c saw "a"; it takes the last of a repeated
    /// name, which left a "hole" here.
    @Test func tensorNamesWithNULOrWrittenTwice() {
        let nul = #"{"a\u0000b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(error(TestSupport.safetensors(header: nul, data: f32x2))
                == "m.safetensors: tensor name 'a\\x00b' contains a NUL character (\\u0000), which is not supported")
        let twice = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(error(TestSupport.safetensors(header: twice, data: f32x2)) == "m.safetensors: duplicate tensor name 'a'")
        let field = #"{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#
        #expect(error(TestSupport.safetensors(header: field, data: f32x2)) == "m.safetensors: duplicate key 'dtype'")
        let bom = [UInt8]("\u{FEFF}".utf8) + Array(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#.utf8)
        #expect(error(TestSupport.le(UInt64(bom.count)) + bom + f32x2) == "m.safetensors: header does not start with '{' (not a safetensors file?)")
    }

    @Test func shapeSizeMismatch() {
        let header = #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(error(TestSupport.safetensors(header: header, data: f32x2))
                == "m.safetensors: tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets span 8")
        let negative = #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#
        #expect(error(TestSupport.safetensors(header: negative, data: f32x2))
                == "m.safetensors: tensor 'a': shape [-2] holds a value that is not a non-negative integer")
    }

    @Test func randomBytesAreRefusedCleanly() {
        var rng = SplitMix64(seed: 7)
        for length in [1, 7, 8, 64, 4096] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(error(bytes) != nil)
        }
    }

    @Test func validFileStillReads() throws {
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}   "#
        let path = TestSupport.file(TestSupport.safetensors(header: header, data: f32x2), named: "ok.safetensors")
        let source = try CheckpointOpener.open(path)
        #expect(source.metadata == ["format": "pt"])
        #expect(try source.tensor(named: "a").floats() == [1, 2])
    }
}

struct SafeTensorsDetectionTests {
    /// A header of 640 bytes starts the file with 0x80 0x02, like a pickle: still safetensors.
    @Test func headerLengthThatLooksLikeAPickle() throws {
        var header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        while header.utf8.count < 640 { header += " " }
        for name in ["m.safetensors", "m.weights"] {
            let path = TestSupport.file(TestSupport.safetensors(header: header, data: TestSupport.floats([3])), named: name)
            #expect(try CheckpointOpener.open(path).tensor(named: "a").floats() == [3])
        }
    }
}
