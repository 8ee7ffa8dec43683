/// A small einops-style axis language for weight layouts: `"(n h) m -> n m h"`.
///
/// Each side lists axes; an axis is a name or a parenthesised group of names whose
/// sizes multiply. Sizes come from `sizes` or are inferred (one unknown per input
/// group). A name that appears only on the left must be fixed by `selecting`, which
/// keeps one index of it and drops the axis — how a fused Q/K/V tensor yields one
/// of its parts: `"m (qkv n h) -> n m h"` with `selecting: ["qkv": 0]`. A name that appears
/// only on the right repeats the rest along a new axis of its given size (einops `repeat`):
/// `"m h -> n m h"` copies one key head to every query head (multi-query attention).
public struct RearrangePattern: Sendable, Equatable, CustomStringConvertible {
    /// Input axes, each a group of elementary names.
    public let input: [[String]]
    /// Output axes, each a group of elementary names.
    public let output: [[String]]
    public let description: String

    public init(_ text: String) throws(TLError) {
        let sides = text.split(separator: "->", omittingEmptySubsequences: false)
        guard sides.count == 2 else {
            throw .unsupported("rearrange pattern '\(text)': expected exactly one '->'")
        }
        description = text
        input = try RearrangePattern.parseSide(String(sides[0]), pattern: text)
        output = try RearrangePattern.parseSide(String(sides[1]), pattern: text)
        let left = input.flatMap { $0 }, right = output.flatMap { $0 }
        for (side, names) in [("left", left), ("right", right)] where Set(names).count != names.count {
            throw .unsupported("rearrange pattern '\(text)': a name repeats on the \(side) side")
        }
    }

    private static func parseSide(_ side: String, pattern: String) throws(TLError) -> [[String]] {
        var axes = [[String]]()
        var group: [String]?
        var name = ""
        func endName() {
            guard !name.isEmpty else { return }
            if group != nil { group!.append(name) } else { axes.append([name]) }
            name = ""
        }
        for character in side {
            switch character {
            case "(":
                endName()
                guard group == nil else { throw .unsupported("rearrange pattern '\(pattern)': nested parentheses") }
                group = []
            case ")":
                endName()
                guard let closed = group, !closed.isEmpty else {
                    throw .unsupported("rearrange pattern '\(pattern)': unbalanced or empty parentheses")
                }
                axes.append(closed)
                group = nil
            case " ", "\t":
                endName()
            case _ where character.isLetter || character.isNumber || character == "_":
                name.append(character)
            default:
                throw .unsupported("rearrange pattern '\(pattern)': unexpected character '\(character)'")
            }
        }
        endName()
        guard group == nil else { throw .unsupported("rearrange pattern '\(pattern)': unclosed parenthesis") }
        return axes
    }

    /// Names only on the right: new axes the input is repeated along (their sizes must be given).
    public var repeatedNames: [String] {
        let left = Set(input.flatMap { $0 })
        return output.flatMap { $0 }.filter { !left.contains($0) }
    }

    /// Names on the left that are dropped (each must be selected).
    public var droppedNames: [String] {
        let right = Set(output.flatMap { $0 })
        return input.flatMap { $0 }.filter { !right.contains($0) }
    }
}

extension FloatTensor {
    /// Rearranges axes as `pattern` says, copying into a new row-major tensor.
    /// - Parameters:
    ///   - sizes: sizes of named axes (unnamed ones are inferred from the shape).
    ///   - selecting: index kept for each name that appears only on the left.
    public func rearranged(_ pattern: String, sizes: [String: Int] = [:],
                           selecting: [String: Int] = [:]) throws(TLError) -> FloatTensor {
        let parsed = try RearrangePattern(pattern)
        guard shape.count == parsed.input.count else {
            throw .badTensor(name: "", problem: "shape \(shape) has rank \(shape.count), pattern '\(pattern)' expects \(parsed.input.count)")
        }
        for name in parsed.droppedNames where selecting[name] == nil {
            throw .unsupported("rearrange pattern '\(pattern)': '\(name)' is dropped but no index is selected")
        }
        // Sizes of every elementary input name.
        var known = sizes
        for (axis, group) in parsed.input.enumerated() {
            try Rearrange.resolve(group: group, total: shape[axis], known: &known, pattern: pattern, side: "input")
        }
        let names = parsed.input.flatMap { $0 }
        let elementShape = names.map { known[$0]! }
        let elementStrides = Tensor.contiguousStrides(elementShape)
        var base = 0
        for (name, index) in selecting {
            guard let position = names.firstIndex(of: name) else {
                throw .unsupported("rearrange pattern '\(pattern)': selected name '\(name)' is not an input axis")
            }
            guard index >= 0 && index < elementShape[position] else {
                throw .badTensor(name: "", problem: "index \(index) of '\(name)' is outside 0..<\(elementShape[position])")
            }
            base += index * elementStrides[position]
        }
        let outNames = parsed.output.flatMap { $0 }
        for name in parsed.repeatedNames where known[name] == nil {
            throw .unsupported("rearrange pattern '\(pattern)': the size of repeated axis '\(name)' is not given")
        }
        let outSizes = outNames.map { known[$0]! }
        // A repeated axis reads the same elements again: stride 0.
        let outStrides = outNames.map { name in names.firstIndex(of: name).map { elementStrides[$0] } ?? 0 }
        let outShape = parsed.output.map { group in group.reduce(1) { $0 * known[$1]! } }
        let count = outSizes.reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        if count > 0 {
            Rearrange.gather(values, base: base, sizes: outSizes, strides: outStrides, into: &result)
        }
        return FloatTensor(shape: outShape, values: result)
    }

    /// A contiguous slice `range` of `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) throws(TLError) -> FloatTensor {
        guard axis >= 0 && axis < shape.count else {
            throw .badTensor(name: "", problem: "axis \(axis) is outside shape \(shape)")
        }
        guard range.lowerBound >= 0 && range.upperBound <= shape[axis] else {
            throw .badTensor(name: "", problem: "slice \(range) of axis \(axis) is outside shape \(shape)")
        }
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let run = range.count * inner
        var out = [Float]()
        out.reserveCapacity(outer * run)
        values.withUnsafeBufferPointer { source in
            for o in 0..<outer {
                let start = (o * shape[axis] + range.lowerBound) * inner
                out.append(contentsOf: source[start..<(start + run)])
            }
        }
        var newShape = shape
        newShape[axis] = range.count
        return FloatTensor(shape: newShape, values: out)
    }

    /// Splits `axis` into consecutive parts of the given sizes (which must add up to it).
    public func split(axis: Int, sizes parts: [Int]) throws(TLError) -> [FloatTensor] {
        guard axis >= 0 && axis < shape.count else {
            throw .badTensor(name: "", problem: "axis \(axis) is outside shape \(shape)")
        }
        guard parts.reduce(0, +) == shape[axis], parts.allSatisfy({ $0 >= 0 }) else {
            throw .badTensor(name: "", problem: "axis \(axis) of shape \(shape) cannot split into \(parts)")
        }
        var pieces = [FloatTensor]()
        var start = 0
        for part in parts {
            pieces.append(try sliced(axis: axis, start..<(start + part)))
            start += part
        }
        return pieces
    }
}

/// Shape arithmetic shared by `rearranged` and by planners that need the input
/// shape a pattern expects before any data is read.
public enum Rearrange {
    /// The input shape `pattern` needs to produce `outputShape`, with the same
    /// `sizes` and `selecting` as `rearranged`. Names dropped by selection must be in `sizes`.
    public static func inputShape(_ pattern: String, producing outputShape: [Int],
                                  sizes: [String: Int] = [:]) throws(TLError) -> [Int] {
        let parsed = try RearrangePattern(pattern)
        guard outputShape.count == parsed.output.count else {
            throw .badTensor(name: "", problem: "shape \(outputShape) has rank \(outputShape.count), pattern '\(pattern)' produces \(parsed.output.count)")
        }
        var known = sizes
        for (axis, group) in parsed.output.enumerated() {
            try resolve(group: group, total: outputShape[axis], known: &known, pattern: pattern, side: "output")
        }
        var shape = [Int]()
        for group in parsed.input {
            var product = 1
            for name in group {
                guard let size = known[name] else {
                    throw .unsupported("rearrange pattern '\(pattern)': size of '\(name)' is not known")
                }
                product *= size
            }
            shape.append(product)
        }
        return shape
    }

    /// Fills in the one unknown size of `group` (if any) so the group multiplies to `total`.
    static func resolve(group: [String], total: Int, known: inout [String: Int],
                        pattern: String, side: String) throws(TLError) {
        let unknown = group.filter { known[$0] == nil }
        let product = group.compactMap { known[$0] }.reduce(1, *)
        switch unknown.count {
        case 0:
            guard product == total else {
                throw .badTensor(name: "", problem: "\(side) axis (\(group.joined(separator: " "))) is \(total), sizes say \(product) in '\(pattern)'")
            }
        case 1:
            guard product > 0, total % product == 0 else {
                throw .badTensor(name: "", problem: "\(side) axis (\(group.joined(separator: " "))) of size \(total) is not divisible by \(product) in '\(pattern)'")
            }
            known[unknown[0]] = total / product
        default:
            throw .unsupported("rearrange pattern '\(pattern)': \(unknown.joined(separator: ", ")) cannot all be inferred")
        }
    }

    /// Copies `source[base + Σ index_k · strides_k]` for every output index in row-major order.
    static func gather(_ source: [Float], base: Int, sizes: [Int], strides: [Int], into out: inout [Float]) {
        let rank = sizes.count
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard rank > 0 else { dst[0] = src[base]; return }
                let innerSize = sizes[rank - 1], innerStride = strides[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                var offset = base
                var written = 0
                while written < dst.count {
                    var o = offset
                    for i in 0..<innerSize {
                        dst[written + i] = src[o]
                        o += innerStride
                    }
                    written += innerSize
                    // Advance the outer odometer (axes 0..<rank-1).
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < sizes[axis] { break }
                        offset -= strides[axis] * sizes[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}
