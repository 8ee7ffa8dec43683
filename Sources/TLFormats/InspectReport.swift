import TLCore

/// What `tlconvert inspect` prints for a tensor container.
public enum InspectReport {
    public static func json(_ source: any TensorSource) -> String {
        let tensors: [JSONValue] = source.tensorInfos.map { info in
            .object([
                ("name", .string(info.name)),
                ("dtype", .string(info.dtype.rawValue)),
                ("shape", .array(info.shape.map { .int(Int64($0)) })),
                ("bytes", .int(Int64(info.byteCount))),
            ])
        }
        let metadata = source.metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
        return JSONWriter.string(.object([
            ("format", .string(source.format)),
            ("tensors", .array(tensors)),
            ("metadata", .object(metadata)),
        ]))
    }

    public static func table(_ source: any TensorSource) -> String {
        let infos = source.tensorInfos
        let nameWidth = max(4, infos.map(\.name.count).max() ?? 0)
        var lines = ["\(source.path) (\(source.format), \(infos.count) tensors, \(formatBytes(infos.reduce(0) { $0 + $1.byteCount })))"]
        lines.append(pad("name", nameWidth) + "  " + pad("dtype", 5) + "  " + pad("shape", 20) + "  bytes")
        for info in infos {
            let shape = "[" + info.shape.map(String.init).joined(separator: ", ") + "]"
            lines.append(pad(info.name, nameWidth) + "  " + pad(info.dtype.rawValue, 5) + "  " + pad(shape, 20) + "  \(info.byteCount)")
        }
        for (key, value) in source.metadata.sorted(by: { $0.key < $1.key }) {
            lines.append("metadata \(key) = \(value)")
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    public static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(Int((value * 10).rounded())) .insertingDecimal() + " " + units[unit]
    }
}

private extension String {
    /// "153" → "15.3" (one decimal from a value scaled by ten).
    func insertingDecimal() -> String {
        let digits = count == 1 ? "0" + self : self
        return digits.dropLast() + "." + digits.suffix(1)
    }
}
