import TLCore

/// The weight operand of a product, a row-major `[rows, cols]` matrix held one of two ways:
/// float32 the forward pass owns (packed once when the model is built from arrays), or
/// blocks of a memory-mapped file left in their stored dtype (float32, float16, bfloat16),
/// read in place each time a product runs, so the model never has to fit in memory.
final class WeightMatrix: @unchecked Sendable {
    let rows: Int
    let cols: Int
    let storage: Storage

    enum Storage {
        case owned(Matrix)
        /// Blocks side by side (`.columns`: a head's `[d_model, d_head]` each) or stacked
        /// (`.rows`); `releasesPages`: drop the blocks' pages from the resident set once a
        /// product has read them (a layer is read once per forward pass).
        case stored(blocks: [Block], along: Axis, releasesPages: Bool)
    }

    enum Axis { case rows, columns }

    /// A contiguous `[rows, cols]` run of a tensor in its stored dtype.
    struct Block {
        let storage: ByteStorage
        let byteOffset: Int
        let dtype: DType
        let rows: Int
        let cols: Int

        var base: UnsafeRawPointer { storage.base + byteOffset }
        var byteCount: Int { rows * cols * dtype.byteSize }
        /// Whether sgemm can read it in place: float32 at a float's alignment.
        var isDirect: Bool { dtype == .f32 && Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 }
    }

    init(owned matrix: Matrix) {
        rows = matrix.rows
        cols = matrix.cols
        storage = .owned(matrix)
    }

    init(blocks: [Block], along axis: Axis, releasesPages: Bool) {
        precondition(!blocks.isEmpty, "WeightMatrix: no blocks")
        switch axis {
        case .columns:
            precondition(blocks.allSatisfy { $0.rows == blocks[0].rows }, "WeightMatrix: blocks of different heights")
            rows = blocks[0].rows
            cols = blocks.reduce(0) { $0 + $1.cols }
        case .rows:
            precondition(blocks.allSatisfy { $0.cols == blocks[0].cols }, "WeightMatrix: blocks of different widths")
            rows = blocks.reduce(0) { $0 + $1.rows }
            cols = blocks[0].cols
        }
        storage = .stored(blocks: blocks, along: axis, releasesPages: releasesPages)
    }

    /// Row `r` widened into `destination` (`cols` floats): an embedding reads only the rows it needs.
    func copyRow(_ r: Int, into destination: UnsafeMutablePointer<Float>) {
        switch storage {
        case .owned(let matrix): destination.update(from: matrix.row(r), count: cols)
        case .stored: widen(rows: r..<(r + 1), cols: 0..<cols, into: destination, ld: cols, parallel: false)
        }
    }

    /// Widens the window `rows × cols` of the matrix into `destination` (row-major, `ld` apart).
    func widen(rows rowRange: Range<Int>, cols colRange: Range<Int>, into destination: UnsafeMutablePointer<Float>,
               ld: Int, parallel: Bool = true) {
        switch storage {
        case .owned(let matrix):
            for r in rowRange {
                (destination + (r - rowRange.lowerBound) * ld).update(from: matrix.row(r) + colRange.lowerBound,
                                                                      count: colRange.count)
            }
        case .stored(let blocks, let axis, _):
            let copy = { (range: Range<Int>) in
                var start = 0
                for block in blocks {
                    let extent = axis == .columns ? block.cols : block.rows
                    defer { start += extent }
                    // This block's share of the window, in the whole matrix's coordinates.
                    let (r, c): (Range<Int>, Range<Int>)
                    switch axis {
                    case .columns: (r, c) = (range, colRange.clamped(to: start..<(start + extent)))
                    case .rows: (r, c) = (range.clamped(to: start..<(start + extent)), colRange)
                    }
                    guard !r.isEmpty, !c.isEmpty else { continue }
                    let (r0, c0) = axis == .columns ? (0, start) : (start, 0)
                    for i in r {
                        let source = block.base + ((i - r0) * block.cols + (c.lowerBound - c0)) * block.dtype.byteSize
                        let target = destination + (i - rowRange.lowerBound) * ld + (c.lowerBound - colRange.lowerBound)
                        TensorConversion.widen(source, dtype: block.dtype, count: c.count, into: target)
                    }
                }
            }
            guard parallel else { return copy(rowRange) }
            Parallel.rows(rowRange.count, workPerRow: colRange.count) { part in
                copy((rowRange.lowerBound + part.lowerBound)..<(rowRange.lowerBound + part.upperBound))
            }
            withExtendedLifetime(blocks) {}
        }
    }

    /// Drops the pages a product read, when this matrix was built to (see `Storage.stored`).
    /// Rows `rowRange` only: a long product releases what it has finished with as it goes.
    func releasePages(rows rowRange: Range<Int>) {
        guard case .stored(let blocks, let axis, true) = storage else { return }
        var next = 0
        for block in blocks {
            // The block's first row in the whole matrix (0 for blocks side by side).
            let first = next
            if axis == .rows { next += block.rows }
            let r = rowRange.clamped(to: first..<(first + block.rows))
            guard !r.isEmpty else { continue }
            let rowBytes = block.cols * block.dtype.byteSize
            block.storage.releasePages(offset: block.byteOffset + (r.lowerBound - first) * rowBytes,
                                       count: r.count * rowBytes)
        }
    }
}
