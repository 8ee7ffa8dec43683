import ModelConfigs
import TLCore

/// Copies a `StridedSource` window out of a mapped tensor into a dense float32 buffer,
/// widening on the fly. Three loop shapes cover every rule: contiguous runs (a plain
/// copy or a widening loop), a banded transpose when the source's unit-stride
/// axis is not the output's last (`nn.Linear` weights, tied unembeddings, per-head
/// `(n h) m -> n m h`), and a per-element walk for anything else.
enum StridedGather {
    /// Source lines per band of the transpose: eight lines of a 4 KiB row stay in L1, and the
    /// in-register transpose of whole bands is eight lanes wide (`SIMD8`).
    static let band = 8

    /// Fills `destination` (the window's element count) from the tensor whose element 0
    /// is at `base`.
    /// - Parameter done: told each source element range (start, count) the gather has
    ///   finished reading, as it goes, for two-dimensional windows read in source order
    ///   (a plain copy, a transpose), so the caller can release those pages early.
    static func gather(_ base: UnsafeRawPointer, dtype: DType, window: StridedSource,
                       into destination: UnsafeMutablePointer<Float>, done: ((Int, Int) -> Void)? = nil) {
        switch dtype {
        case .f32: run(F32.self, base, window, destination, done: done)
        case .bf16: run(BF16.self, base, window, destination, done: done)
        case .f16: run(F16.self, base, window, destination, done: done)
        default: run(Other.self, base, window, destination, dtype: dtype, done: done)
        }
    }

    /// Source elements between two `done` reports (16 MiB of float32).
    static let releaseChunk = 1 << 22

    // MARK: Element loaders (specialised, so the inner loops inline)

    protocol Loader {
        static func load(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> Float
        /// Eight contiguous elements starting at element `index`, widened.
        static func load8(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> SIMD8<Float>
        /// Widens `count` contiguous elements starting at element `index`.
        static func widen(_ base: UnsafeRawPointer, _ index: Int, _ count: Int, _ dtype: DType,
                          into destination: UnsafeMutablePointer<Float>)
    }

    enum F32: Loader {
        @inline(__always)
        static func load(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> Float {
            base.loadUnaligned(fromByteOffset: 4 * index, as: Float.self)
        }
        @inline(__always)
        static func load8(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> SIMD8<Float> {
            base.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
        }
        @inline(__always)
        static func widen(_ base: UnsafeRawPointer, _ index: Int, _ count: Int, _ dtype: DType,
                          into destination: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(destination).copyMemory(from: base + 4 * index, byteCount: 4 * count)
        }
    }

    enum BF16: Loader {
        @inline(__always)
        static func load(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> Float {
            Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)) << 16)
        }
        @inline(__always)
        static func load8(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> SIMD8<Float> {
            let bits = SIMD8<UInt32>(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 2 * index, as: SIMD8<UInt16>.self))
            return unsafeBitCast(bits &<< 16, to: SIMD8<Float>.self)
        }
        @inline(__always)
        static func widen(_ base: UnsafeRawPointer, _ index: Int, _ count: Int, _ dtype: DType,
                          into destination: UnsafeMutablePointer<Float>) {
            let source = base + 2 * index
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        }
    }

    enum F16: Loader {
        @inline(__always)
        static func load(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> Float {
            HalfPrecision.f16ToFloat(base.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
        }
        @inline(__always)
        static func widen(_ base: UnsafeRawPointer, _ index: Int, _ count: Int, _ dtype: DType,
                          into destination: UnsafeMutablePointer<Float>) {
            TensorConversion.widen(base + 2 * index, dtype: .f16, count: count, into: destination)
        }
    }

    /// f64 and integer tensors (rare in checkpoints): TLCore's general conversion.
    enum Other: Loader {
        static func load(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> Float {
            var value: Float = 0
            TensorConversion.widen(base + dtype.byteSize * index, dtype: dtype, count: 1, into: &value)
            return value
        }
        static func widen(_ base: UnsafeRawPointer, _ index: Int, _ count: Int, _ dtype: DType,
                          into destination: UnsafeMutablePointer<Float>) {
            TensorConversion.widen(base + dtype.byteSize * index, dtype: dtype, count: count, into: destination)
        }
    }

    // MARK: Loops

    /// An axis of the iteration: length, step in the source, step in the output.
    private struct Loop {
        var size: Int
        var source: Int
        var output: Int
    }

    private static func run<L: Loader>(_ loader: L.Type, _ base: UnsafeRawPointer, _ window: StridedSource,
                                       _ out: UnsafeMutablePointer<Float>, dtype: DType = .f32,
                                       done: ((Int, Int) -> Void)?) {
        let axes = window.loopAxes
        let start = window.offset
        guard let last = axes.last else {
            out[0] = L.load(base, start, dtype)
            return
        }
        if axes.contains(where: { $0.size == 0 }) { return }
        var outputStrides = [Int](repeating: 1, count: axes.count)
        for i in stride(from: axes.count - 2, through: 0, by: -1) { outputStrides[i] = outputStrides[i + 1] * axes[i + 1].size }
        let loops = axes.indices.map { Loop(size: axes[$0].size, source: axes[$0].stride, output: outputStrides[$0]) }

        if last.stride == 1, axes.count == 1, let done {
            // One contiguous run: copied in chunks, each reported when copied.
            var i = 0
            while i < last.size {
                let n = min(releaseChunk, last.size - i)
                L.widen(base, start + i, n, dtype, into: out + i)
                done(start + i, n)
                i += n
            }
        } else if last.stride == 1 {
            // Contiguous runs along the last axis.
            let run = last.size
            odometer(Array(loops.dropLast()), start) { source, output in
                L.widen(base, source, run, dtype, into: out + output)
            }
        } else if let p = loops.dropLast().lastIndex(where: { $0.source == 1 }) {
            // The source's unit-stride axis p is not the output's last axis q: blocked transpose.
            let q = loops.count - 1
            let rows = loops[p].size, rowStride = loops[p].output
            let cols = loops[q].size, colStride = loops[q].source
            var others = loops
            others.remove(at: q)
            others.remove(at: p)
            // Bands of `band` source lines, read once each: while a band sits in L1, every
            // output row takes its `band` consecutive values from it. Measured on W_U (50257 ×
            // 1024 transposed) at 2× the speed of staged 32 × 32 tiles.
            odometer(others, start) { source, output in
                var c0 = 0, reported = 0
                while c0 < cols {
                    let c1 = min(c0 + band, cols)
                    var r0 = 0
                    if c1 - c0 == band {
                        // Whole bands: eight rows at a time, one vector load per source line,
                        // transposed in registers and stored as eight output rows.
                        let line = source + c0 * colStride
                        while r0 + 8 <= rows {
                            let l0 = L.load8(base, line + r0, dtype), l1 = L.load8(base, line + colStride + r0, dtype)
                            let l2 = L.load8(base, line + 2 * colStride + r0, dtype), l3 = L.load8(base, line + 3 * colStride + r0, dtype)
                            let l4 = L.load8(base, line + 4 * colStride + r0, dtype), l5 = L.load8(base, line + 5 * colStride + r0, dtype)
                            let l6 = L.load8(base, line + 6 * colStride + r0, dtype), l7 = L.load8(base, line + 7 * colStride + r0, dtype)
                            for j in 0..<8 {
                                let row = SIMD8<Float>(l0[j], l1[j], l2[j], l3[j], l4[j], l5[j], l6[j], l7[j])
                                UnsafeMutableRawPointer(out + output + (r0 + j) * rowStride + c0).storeBytes(of: row, as: SIMD8<Float>.self)
                            }
                            r0 += 8
                        }
                    }
                    for r in r0..<rows {
                        let o = out + output + r * rowStride
                        let line = source + r
                        for c in c0..<c1 { o[c] = L.load(base, line + c * colStride, dtype) }
                    }
                    if others.isEmpty, let done, (c1 - reported) * colStride >= releaseChunk || c1 == cols {
                        done(source + reported * colStride, (c1 - reported) * colStride)
                        reported = c1
                    }
                    c0 = c1
                }
            }
        } else {
            let cols = last.size, colStride = last.stride
            odometer(Array(loops.dropLast()), start) { source, output in
                for c in 0..<cols { out[output + c] = L.load(base, source + c * colStride, dtype) }
            }
        }
    }

    /// Calls `body(sourceOffset, outputOffset)` for every index of `loops` in row-major order.
    @inline(__always)
    private static func odometer(_ loops: [Loop], _ start: Int, _ body: (Int, Int) -> Void) {
        guard !loops.isEmpty else { body(start, 0); return }
        var index = [Int](repeating: 0, count: loops.count)
        var source = start, output = 0
        while true {
            body(source, output)
            var axis = loops.count - 1
            while true {
                index[axis] += 1
                source += loops[axis].source
                output += loops[axis].output
                if index[axis] < loops[axis].size { break }
                source -= loops[axis].source * loops[axis].size
                output -= loops[axis].output * loops[axis].size
                index[axis] = 0
                if axis == 0 { return }
                axis -= 1
            }
        }
    }
}

extension StridedGather.Loader {
    /// Eight scalar loads, for the element types without a vector widening here (f16, f64, ints).
    @inline(__always)
    static func load8(_ base: UnsafeRawPointer, _ index: Int, _ dtype: DType) -> SIMD8<Float> {
        var lanes = SIMD8<Float>()
        for i in 0..<8 { lanes[i] = load(base, index + i, dtype) }
        return lanes
    }
}
