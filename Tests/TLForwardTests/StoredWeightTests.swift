import Foundation
import Testing
@testable import TLForward
import TLCore
import TLFormats
import TLModel
import TLTestSupport

/// Weights read in place from the mapped file, in their stored dtype: products equal the
/// widened ones, 16-bit directories give the logits of widening first, bad files stay one error.
@Suite struct StoredWeightTests {
    /// A random `[rows, cols]` tensor written in `dtype` to a fresh safetensors file, mapped back.
    static func stored(_ name: String, rows: Int, cols: Int, dtype: DType, seed: UInt64, in folder: String) throws -> Tensor {
        var state = seed
        let values = (0..<(rows * cols)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 4000
        }
        let path = "\(folder)/\(name).safetensors"
        let writer = try SafeTensorsWriter(path: path, tensors: [TensorInfo(name: name, dtype: dtype, shape: [rows, cols])])
        try writer.write(name: name, values: FloatTensor(shape: [rows, cols], values: values))
        try writer.finish()
        return try SafeTensorsFile(path: path).tensor(named: name)
    }

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stored-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func block(_ t: Tensor) -> WeightMatrix.Block {
        WeightMatrix.Block(storage: t.storage, byteOffset: t.byteOffset, dtype: t.dtype, rows: t.shape[0], cols: t.shape[1])
    }

    static func owned(_ t: Tensor) -> Matrix { Matrix(rows: t.shape[0], cols: t.shape[1], values: t.floats()) }

    static func input(rows: Int, cols: Int) -> Matrix {
        let a = Matrix(rows: rows, cols: cols)
        for i in 0..<a.count { a.data[i] = Float((i * 7919) % 23) / 23 - 0.5 }
        return a
    }

    static func maxDiff(_ x: Matrix, _ y: Matrix) -> Float {
        (0..<x.count).reduce(0) { max($0, abs(x.data[$1] - y.data[$1])) }
    }

    /// Every path of the product (sgemm on mapped float32, tiles of float16/bfloat16, several
    /// bands and spans, blocks side by side or stacked, transposed, a column prefix,
    /// accumulation) against the same product on the widened matrix.
    @Test(arguments: [DType.f32, .f16, .bf16])
    func productReadInPlaceEqualsTheWidenedOne(dtype: DType) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 1100 rows: three bands of 512; 300-column blocks: direct float32 sgemm per block.
        let left = try Self.stored("left", rows: 1100, cols: 300, dtype: dtype, seed: 1, in: folder)
        let right = try Self.stored("right", rows: 1100, cols: 40, dtype: dtype, seed: 2, in: folder)
        let side = WeightMatrix(blocks: [Self.block(left), Self.block(right)], along: .columns, releasesPages: true)
        let packed = Matrix(rows: 1100, cols: 340)
        let (l, r) = (Self.owned(left), Self.owned(right))
        for i in 0..<1100 {
            (packed.row(i)).update(from: l.row(i), count: 300)
            (packed.row(i) + 300).update(from: r.row(i), count: 40)
        }
        let a = Self.input(rows: 5, cols: 1100)
        let bias = Self.input(rows: 1, cols: 340)
        let expected = Matrix(rows: 5, cols: 340)
        BLAS.product(a, packed, bias: bias, into: expected)
        let ours = Matrix(rows: 5, cols: 340)
        BLAS.product(a, side, bias: bias, into: ours)
        #expect(Self.maxDiff(ours, expected) < 1e-4)
        // Read again after its pages were released: the same values come back from the file.
        BLAS.product(a, side, bias: bias, into: ours)
        #expect(Self.maxDiff(ours, expected) < 1e-4)

        // A prefix of the columns, added to what is there (shortformer positions into Q and K).
        let partial = Matrix(rows: 5, cols: 340)
        partial.fillRows(with: bias)
        BLAS.product(a, side, into: partial, columns: 320, accumulate: true)
        for row in 0..<5 {
            for c in 0..<340 {
                let want = c < 320 ? expected.row(row)[c] : bias.data[c]
                #expect(abs(partial.row(row)[c] - want) < 1e-4)
            }
        }

        // Stacked and transposed (an expert's gate and in rows, `nn.Linear` layout), spans of 4096.
        let gate = try Self.stored("gate", rows: 6, cols: 5000, dtype: dtype, seed: 3, in: folder)
        let up = try Self.stored("up", rows: 7, cols: 5000, dtype: dtype, seed: 4, in: folder)
        let stacked = WeightMatrix(blocks: [Self.block(gate), Self.block(up)], along: .rows, releasesPages: false)
        let both = Matrix(rows: 13, cols: 5000, values: gate.floats() + up.floats())
        let x = Self.input(rows: 3, cols: 5000)
        let want = Matrix(rows: 3, cols: 13)
        BLAS.product(x, both, transposeB: true, into: want)
        let got = Matrix(rows: 3, cols: 13)
        BLAS.product(x, stacked, transposeB: true, into: got)
        #expect(Self.maxDiff(got, want) < 1e-4)

        // An embedding row.
        let row = UnsafeMutablePointer<Float>.allocate(capacity: 340)
        defer { row.deallocate() }
        side.copyRow(1099, into: row)
        for c in 0..<340 { #expect(row[c] == packed.row(1099)[c]) }
    }

    /// A converted directory narrowed to float16 or bfloat16 and read in place gives the logits
    /// of the same directory widened to float32 arrays first, and both match Hugging Face's
    /// logits of the rounded weights within the rounding.
    @Test(arguments: [DType.f16, .bf16])
    func sixteenBitDirectoryMatchesWideningFirst(dtype: DType) throws {
        let source = Fixtures.path("forward/rms-rotary-gqa")
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = try SafeTensorsFile(path: source + "/model.safetensors")
        let infos = original.tensorInfos.map { TensorInfo(name: $0.name, dtype: dtype, shape: $0.shape) }
        let writer = try SafeTensorsWriter(path: folder + "/model.safetensors", tensors: infos, metadata: original.metadata)
        for info in infos { try writer.write(name: info.name, values: try original.tensor(named: info.name).float32()) }
        try writer.finish()
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: folder + "/config.json")

        let mapped = try CanonicalModel.load(directory: folder)
        var widened = mapped
        widened.weights = mapped.weights  // every tensor now a float32 array: the packed path
        let tokens = [[1, 5, 9, 2, 7, 3], [4, 4, 8, 1, 0, 6]]
        let ours = try mapped.transformer().logits(tokens: tokens)
        let reference = try widened.transformer().logits(tokens: tokens)
        #expect(ours.shape == reference.shape)
        let diff = zip(ours.values, reference.values).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(diff < 1e-4, "max |Δ logit| \(diff)")
    }

    /// A truncated weight file, or a tensor of the wrong shape, is one error naming it.
    @Test func badStoredFilesAreNamed() throws {
        let source = Fixtures.path("forward/rms-rotary-gqa")
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: folder + "/config.json")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source + "/model.safetensors"))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        #expect(throws: TLError.self) { _ = try CanonicalModel.load(directory: folder) }
        do {
            _ = try CanonicalModel.load(directory: folder)
        } catch {
            #expect(error.exitCode == 2)
            #expect("\(error)".contains("model.safetensors"))
        }

        // W_in written transposed: the forward pass refuses it by name before any compute.
        let original = try SafeTensorsFile(path: source + "/model.safetensors")
        let infos = original.tensorInfos.map { info in
            info.name == "blocks.0.mlp.W_in" ? TensorInfo(name: info.name, dtype: .bf16, shape: info.shape.reversed())
                                              : TensorInfo(name: info.name, dtype: .bf16, shape: info.shape)
        }
        try FileManager.default.removeItem(atPath: folder + "/model.safetensors")
        let writer = try SafeTensorsWriter(path: folder + "/model.safetensors", tensors: infos)
        for info in infos {
            let values = try original.tensor(named: info.name).float32().values
            try writer.write(name: info.name, values: FloatTensor(shape: info.shape, values: values))
        }
        try writer.finish()
        let model = try CanonicalModel.load(directory: folder)
        let expected = original.tensorInfos.first { $0.name == "blocks.0.mlp.W_in" }!.shape
        #expect(throws: TLError.badTensor(name: "blocks.0.mlp.W_in",
                                          problem: "has shape \(Array(expected.reversed())), expected \(expected)")) {
            _ = try model.transformer()
        }
    }
}
