import TLCore

/// Parsing and validation of the safetensors header, kept apart from file access
/// so it can be fed arbitrary bytes (fuzz tests do).
public struct SafeTensorsHeader: Sendable {
    public struct Entry: Sendable {
        public let info: TensorInfo
        /// Offsets relative to the start of the data buffer.
        public let begin: Int
        public let end: Int
    }

    /// Entries sorted by their data offsets (the file's storage order).
    public let entries: [Entry]
    /// `__metadata__`, in the order written.
    public let metadata: [(String, String)]
    /// Absolute offset of the data buffer (8 + header length).
    public let dataStart: Int

    public static func parse(_ file: UnsafeRawBufferPointer, path: String) throws(TLError) -> SafeTensorsHeader {
        func fail(_ problem: String) -> TLError { .badFile(path: path, problem: problem) }

        guard file.count >= 8 else {
            throw fail(file.isEmpty ? "empty file, not a safetensors file"
                                    : "truncated: \(file.count) bytes, shorter than the 8-byte header length")
        }
        let declared = file.loadUnaligned(as: UInt64.self).littleEndian
        guard declared <= UInt64(SafeTensorsFile.maxHeaderBytes) else {
            throw fail("header length \(declared) exceeds the 100000000-byte limit (not a safetensors file?)")
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= file.count else {
            throw fail("truncated: header length \(headerLength) runs past the end of the file (\(file.count) bytes)")
        }
        guard headerLength >= 2 else { throw fail("header of \(headerLength) bytes cannot hold a JSON object") }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail("header does not start with '{' (not a safetensors file?)")
        }
        // safetensors' own readers take the last of a repeated name, leaving a hole where the
        // first one's data was: say what is wrong instead.
        let json = try JSONParser.parse(headerBytes, path: path, duplicateKeys: .refuse) { key, depth in
            depth == 1 && key != "__metadata__" ? "tensor name '\(key)'" : "key '\(key)'"
        }
        guard let members = json.objectMembers else { throw fail("header is not a JSON object") }

        let dataLength = file.count - 8 - headerLength
        var metadata = [(String, String)]()
        var entries = [Entry]()
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try parseMetadata(value, fail: fail)
                continue
            }
            entries.append(try parseEntry(name: name, value, dataLength: dataLength, fail: fail))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        try checkTiling(entries, dataLength: dataLength, fail: fail)
        return SafeTensorsHeader(entries: entries, metadata: metadata, dataStart: 8 + headerLength)
    }

    private static func parseMetadata(_ value: JSONValue, fail: (String) -> TLError) throws(TLError) -> [(String, String)] {
        guard let members = value.objectMembers else { throw fail("__metadata__ is not a JSON object") }
        var pairs = [(String, String)]()
        for (key, item) in members {
            guard let text = item.stringValue else {
                throw fail("__metadata__ value of '\(key)' is not a string")
            }
            pairs.append((key, text))
        }
        return pairs
    }

    private static func parseEntry(name: String, _ value: JSONValue, dataLength: Int,
                                   fail: (String) -> TLError) throws(TLError) -> Entry {
        guard value.objectMembers != nil else { throw fail("tensor '\(name)': entry is not a JSON object") }
        guard let dtypeName = value["dtype"]?.stringValue else {
            throw fail("tensor '\(name)': missing or non-string dtype")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unknown dtype '\(dtypeName)'")
        }
        guard let shapeItems = value["shape"]?.arrayValue else {
            throw fail("tensor '\(name)': missing or non-array shape")
        }
        var shape = [Int]()
        var elements = 1
        for item in shapeItems {
            guard case .int(let raw) = item, raw >= 0, let dim = Int(exactly: raw) else {
                throw fail("tensor '\(name)': shape \(JSONWriter.string(.array(shapeItems))) holds a value that is not a non-negative integer")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) * 64 else {
                throw fail("tensor '\(name)': shape \(JSONWriter.string(.array(shapeItems))) is impossibly large")
            }
            elements = product
            shape.append(dim)
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              case .int(let rawBegin) = offsets[0], case .int(let rawEnd) = offsets[1] else {
            throw fail("tensor '\(name)': data_offsets is not a pair of integers")
        }
        guard rawBegin >= 0, rawEnd >= rawBegin else {
            throw fail("tensor '\(name)': data_offsets [\(rawBegin), \(rawEnd)] are not an increasing pair")
        }
        guard rawEnd <= Int64(dataLength) else {
            throw fail("tensor '\(name)': data_offsets [\(rawBegin), \(rawEnd)] lie outside the \(dataLength)-byte data buffer (truncated file?)")
        }
        let begin = Int(rawBegin), end = Int(rawEnd)
        let expected = elements * dtype.byteSize
        guard end - begin == expected else {
            throw fail("tensor '\(name)': shape \(shape) of \(dtypeName) needs \(expected) bytes but data_offsets span \(end - begin)")
        }
        return Entry(info: TensorInfo(name: name, dtype: dtype, shape: shape), begin: begin, end: end)
    }

    /// Sorted by offset, the tensors must cover the data buffer exactly.
    private static func checkTiling(_ entries: [Entry], dataLength: Int, fail: (String) -> TLError) throws(TLError) {
        var cursor = 0
        var previous: String?
        for entry in entries {
            if entry.begin < cursor {
                throw fail("tensor '\(entry.info.name)': data_offsets overlap those of '\(previous ?? "")'")
            }
            if entry.begin > cursor {
                throw fail("tensor '\(entry.info.name)': hole of \(entry.begin - cursor) bytes before its data (offsets not contiguous)")
            }
            cursor = entry.end
            previous = entry.info.name
        }
        if cursor != dataLength {
            throw fail("\(dataLength - cursor) bytes of data after the last tensor (offsets do not cover the file)")
        }
    }
}
