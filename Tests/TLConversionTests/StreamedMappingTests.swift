import Testing
import ModelConfigs
import TLCore
import TLFormats
import TLModel
@testable import TLConversion
import TLTestSupport

/// The streamed mapping (each tensor gathered from the mapped file in one strided pass,
/// output arrays recycled through a pool) against the plain one: widen the whole source
/// tensor with `Tensor.float32()`, then apply each `TensorTransform` in turn with the oracle.
struct StreamedMappingTests {
    /// The plain, non-streamed mapping of one group.
    static func reference(_ mapper: WeightMapper, _ group: WeightGroup, _ checkpoint: HFCheckpoint) throws -> StateDict {
        let sizes = TensorTransform.sizes(for: mapper.config)
        let shapes = Dictionary(uniqueKeysWithValues:
            CanonicalLayout.parameters(for: mapper.config, group: group).map { ($0.name, $0.shape) })
        let names = Dictionary(uniqueKeysWithValues: checkpoint.weights.tensorNames.map { (mapper.module.stripPrefix($0), $0) })
        var out = StateDict()
        for rule in mapper.module.rules(for: mapper.config, group: group) {
            guard let shape = shapes[rule.target] else { continue }
            let bare: String
            switch rule.source {
            case .zeros, .ones:
                out[rule.target] = FloatTensor(shape: shape, values: [Float](repeating: rule.source.fill ?? 0, count: shape.reduce(1, *)))
                continue
            case .checkpoint(let name): bare = name
            case .unembedding(let lmHead, let embedding): bare = names[lmHead] != nil ? lmHead : embedding
            }
            var tensor = try checkpoint.weights.tensor(named: try #require(names[bare])).float32()
            for transform in rule.transforms { tensor = try transform.oracle(tensor, sizes: sizes) }
            out[rule.target] = tensor
        }
        return out
    }

    @Test(arguments: Fixtures.cases)
    func streamedMappingEqualsReference(_ fixture: FixtureCase) throws {
        let checkpoint = try HFCheckpoint.open(Fixtures.model(fixture.name))
        let module = try checkpoint.module()
        let config = try module.canonicalConfig(from: checkpoint.config, modelID: fixture.name, dtype: .f32)
        let mapper = try WeightMapper(module: module, config: config, checkpoint: checkpoint)
        // A small pool, so arrays are recycled between groups as in a conversion.
        let pool = FloatBufferPool(capacity: 1 << 22)
        for group in WeightGroup.all(layers: config.nLayers) {
            let streamed = try mapper.map(group, pool: pool)
            let plain = try Self.reference(mapper, group, checkpoint)
            #expect(Set(streamed.keys) == Set(plain.keys), "\(fixture) \(group)")
            for (name, tensor) in plain {
                #expect(streamed[name] == tensor, "\(fixture): \(name) differs from the plain mapping")
            }
            for tensor in streamed.values { pool.give(tensor.values) }
        }
    }

    /// Every rule of every fixture takes the one-pass path (none falls back to widening whole tensors).
    @Test(arguments: Fixtures.cases)
    func everyRuleCompilesToOneWindow(_ fixture: FixtureCase) throws {
        let checkpoint = try HFCheckpoint.open(Fixtures.model(fixture.name))
        let module = try checkpoint.module()
        let config = try module.canonicalConfig(from: checkpoint.config, modelID: fixture.name, dtype: .f32)
        let sizes = TensorTransform.sizes(for: config)
        let names = Dictionary(uniqueKeysWithValues: checkpoint.weights.tensorNames.map { (module.stripPrefix($0), $0) })
        for group in WeightGroup.all(layers: config.nLayers) {
            let shapes = Dictionary(uniqueKeysWithValues:
                CanonicalLayout.parameters(for: config, group: group).map { ($0.name, $0.shape) })
            for rule in module.rules(for: config, group: group) {
                let bare: String
                switch rule.source {
                case .zeros, .ones: continue
                case .checkpoint(let name): bare = name
                case .unembedding(let lmHead, let embedding): bare = names[lmHead] != nil ? lmHead : embedding
                }
                let tensor = try checkpoint.weights.tensor(named: try #require(names[bare]))
                let window = StridedSource.compile(shape: tensor.shape, strides: tensor.strides,
                                                   transforms: rule.transforms, sizes: sizes)
                #expect(window?.shape == shapes[rule.target], "\(fixture): \(rule.target) from \(bare)")
            }
        }
    }

    /// The blocked transpose on shapes that are not multiples of the tile, in every source dtype it specialises.
    @Test(arguments: [DType.f32, .bf16, .f16, .f64])
    func blockedTransposeMatchesRearrange(_ dtype: DType) throws {
        let rows = 37, cols = 70
        let values = (0..<(rows * cols)).map { Float($0 % 251) - 125 }
        let source = FloatTensor(shape: [rows, cols], values: values).encoded(as: dtype)
        for (pattern, transforms) in [("a b -> b a", [TensorTransform.transpose]),
                                      ("(n h) m -> n m h", [.rearrange("(n h) m -> n m h")])] {
            let sizes = ["n": 1, "h": rows, "m": cols]
            let window = try #require(StridedSource.compile(shape: source.shape, strides: source.strides,
                                                            transforms: transforms, sizes: sizes))
            var out = [Float](repeating: .nan, count: rows * cols)
            source.storage.withBytes { bytes in
                out.withUnsafeMutableBufferPointer {
                    StridedGather.gather(bytes.baseAddress! + source.byteOffset, dtype: dtype, window: window, into: $0.baseAddress!)
                }
            }
            let expected = try source.float32().rearranged(pattern, sizes: sizes)
            #expect(out == expected.values, "\(dtype) \(pattern)")
        }
    }
}

/// Early page release: the gather reports each finished source range once, in order, covering
/// the tensor, and the values are unchanged (a contiguous copy and a transpose, several chunks each).
struct EarlyReleaseTests {
    @Test(arguments: [[StridedGather.releaseChunk * 2 + 5], [StridedGather.releaseChunk / 2 + 7, 3]])
    func reportsEverySourceRangeOnce(_ shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { Float($0 % 1009) }
        let source = FloatTensor(shape: shape, values: values).encoded(as: .bf16)
        let transforms: [TensorTransform] = shape.count == 2 ? [.transpose] : []
        let window = try #require(StridedSource.compile(shape: shape, strides: source.strides, transforms: transforms, sizes: [:]))
        var ranges = [(Int, Int)]()
        var out = [Float](repeating: .nan, count: count)
        source.storage.withBytes { bytes in
            out.withUnsafeMutableBufferPointer {
                StridedGather.gather(bytes.baseAddress! + source.byteOffset, dtype: .bf16, window: window,
                                     into: $0.baseAddress!, done: { ranges.append(($0, $1)) })
            }
        }
        var expected = source.float32()
        if shape.count == 2 { expected = try expected.rearranged("a b -> b a") }
        #expect(out == expected.values)
        #expect(ranges.count >= 2)
        var next = 0
        for (start, n) in ranges {
            #expect(start == next)
            next = start + n
        }
        #expect(next == count)
    }
}
