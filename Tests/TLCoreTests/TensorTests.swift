import Testing
@testable import TLCore

/// Views, strides and conversions of `Tensor` over raw storages.
struct TensorTests {
    private func storage(_ values: [Float]) -> ByteStorage {
        values.withUnsafeBytes { ByteStorage.copying($0) }
    }

    @Test func stridedViewsReadInRowMajorOrder() {
        let s = storage([0, 1, 2, 3, 4, 5])
        let transposed = Tensor(dtype: .f32, shape: [3, 2], strides: [1, 3], storage: s, byteOffset: 0)
        #expect(!transposed.isContiguous)
        #expect(transposed.floats() == [0, 3, 1, 4, 2, 5])
        #expect(transposed.contiguousBytes == nil)
        let column = Tensor(dtype: .f32, shape: [2], strides: [3], storage: s, byteOffset: 4)
        #expect(column.floats() == [1, 4])
        let broadcast = Tensor(dtype: .f32, shape: [2, 2], strides: [0, 1], storage: s, byteOffset: 8)
        #expect(broadcast.floats() == [2, 3, 2, 3])
    }

    @Test func unitAxesIgnoreTheirStride() {
        let s = storage([1, 2, 3])
        #expect(Tensor(dtype: .f32, shape: [1, 3], strides: [99, 1], storage: s, byteOffset: 0).isContiguous)
        #expect(Tensor(dtype: .f32, shape: [3, 1], strides: [1, 1], storage: s, byteOffset: 0).isContiguous)
        #expect(Tensor(dtype: .f32, shape: [0], storage: s).floats() == [])
    }

    @Test func byteSpanCoversTheFarthestElement() {
        #expect(Tensor.byteSpan(shape: [3, 4], strides: [4, 1], dtype: .f32) == 48)
        #expect(Tensor.byteSpan(shape: [4, 3], strides: [1, 4], dtype: .f16) == 24)
        #expect(Tensor.byteSpan(shape: [2, 0], strides: [1, 1], dtype: .f32) == 0)
        #expect(Tensor.byteSpan(shape: [], strides: [], dtype: .i64) == 8)
        #expect(Tensor.byteSpan(shape: [Int.max / 2, 4], strides: [Int.max / 2, 1], dtype: .f32) == nil)
        #expect(Tensor.byteSpan(shape: [2], strides: [1, 1], dtype: .f32) == nil)
    }

    @Test func integersNeverTrapOnHostileFloats() {
        let s = storage([.nan, .infinity, -.infinity, 1e30, -3.7, 2.9])
        #expect(Tensor(dtype: .f32, shape: [6], storage: s).integers() == [0, .max, .min, .max, -3, 2])
    }

    @Test func narrowingToIntegersTruncatesAndSaturates() {
        let values = FloatTensor(shape: [5], values: [1.9, -1.9, 300, -300, .nan])
        #expect(values.encoded(as: .i8).integers() == [1, -1, 127, -128, 0])
        #expect(values.encoded(as: .u8).integers() == [1, 0, 255, 0, 0])
        #expect(values.encoded(as: .i64).integers() == [1, -1, 300, -300, 0])
        #expect(values.encoded(as: .bool).integers() == [1, 1, 1, 1, 1])
        #expect(values.encoded(as: .bf16).floats()[2] == 300)
    }

    @Test func releasingHeapPagesKeepsTheData() {
        let values = (0..<4096).map(Float.init)
        let s = storage(values)
        #expect(!s.isMapped)
        s.releasePages(offset: 0, count: s.count)
        #expect(Tensor(dtype: .f32, shape: [4096], storage: s).floats() == values)
    }
}

struct TensorBufferTests {
    @Test func writeFloatsFillsAReusedBuffer() {
        let s = [Float](arrayLiteral: 1, 2, 3, 4, 5, 6).withUnsafeBytes { ByteStorage.copying($0) }
        var buffer = [Float](repeating: -1, count: 8)
        buffer.withUnsafeMutableBufferPointer {
            Tensor(dtype: .f32, shape: [3, 2], strides: [1, 3], storage: s, byteOffset: 0).writeFloats(into: $0)
        }
        #expect(buffer == [1, 4, 2, 5, 3, 6, -1, -1])
    }
}

struct TLErrorTests {
    @Test func descriptionsStayOnOneLine() {
        let error = TLError.badFile(path: "a.npz", problem: "zip entry 'x\ny\u{1}': bad")
        #expect(error.description == "a.npz: zip entry 'x\\ny\\x01': bad")
        #expect(error.exitCode == 2)
        #expect(TLError.verificationFailed("kl").exitCode == 1)
    }
}
