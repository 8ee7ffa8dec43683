import ModelConfigs
import TLCore
import TLFormats

/// A checkpoint whose config declares `quantization_config.quant_method: mxfp4`, seen with each
/// `<name>_blocks` / `<name>_scales` pair as the float32 tensor `<name>` transformers dequantizes
/// it to (`Mxfp4`). Every other tensor passes through: biases, and whatever
/// `modules_to_not_convert` kept in full precision, are stored unquantized.
/// `dequantized(_:experts:)` unpacks only the experts a rule reads, so memory stays one expert wide.
struct Mxfp4Weights: TensorSource {
    struct Packed {
        let blocks: TensorInfo
        let scales: TensorInfo
        var rows: Int { blocks.shape[1] }
        var groups: Int { blocks.shape[2] }
    }

    let base: any TensorSource
    let tensorInfos: [TensorInfo]
    /// Dequantized name → its packed pair.
    private let packed: [String: Packed]

    /// Pairs every `_blocks` with its `_scales`; a lone half, a dtype other than U8 or shapes that
    /// do not pair up are errors naming the tensor.
    init(_ base: any TensorSource) throws(TLError) {
        self.base = base
        let infos = Dictionary(base.tensorInfos.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out = [TensorInfo](), packed = [String: Packed]()
        for info in base.tensorInfos {
            if info.name.hasSuffix("_scales"), infos[String(info.name.dropLast(7)) + "_blocks"] != nil { continue }
            guard info.name.hasSuffix("_blocks") else { out.append(info); continue }
            let name = String(info.name.dropLast(7))
            guard let scales = infos[name + "_scales"] else {
                throw .badTensor(name: info.name, problem: "has no \(name)_scales in \(base.path) (MXFP4 blocks need their scales)")
            }
            for part in [info, scales] where part.dtype != .u8 {
                throw .badTensor(name: part.name, problem: "is \(part.dtype.rawValue) in \(base.path), MXFP4 packs U8")
            }
            guard info.shape.count == 4, info.shape[3] == Mxfp4.bytesPerGroup, info.shape.allSatisfy({ $0 > 0 }) else {
                throw .badTensor(name: info.name, problem: "has shape \(info.shape) in \(base.path), MXFP4 blocks are [experts, rows, groups, 16]")
            }
            guard scales.shape == Array(info.shape.dropLast()) else {
                throw .badTensor(name: scales.name, problem: "has shape \(scales.shape) in \(base.path), its blocks \(info.shape) need \(Array(info.shape.dropLast()))")
            }
            guard infos[name] == nil else {
                throw .badTensor(name: name, problem: "is stored both plain and MXFP4-packed in \(base.path)")
            }
            packed[name] = Packed(blocks: info, scales: scales)
            out.append(TensorInfo(name: name, dtype: .f32, shape: Mxfp4.dequantizedShape(blocks: info.shape)))
        }
        if let lone = base.tensorInfos.first(where: { $0.name.hasSuffix("_scales") && infos[String($0.name.dropLast(7)) + "_blocks"] == nil }) {
            throw .badTensor(name: lone.name, problem: "has no \(lone.name.dropLast(7))_blocks in \(base.path) (MXFP4 scales need their blocks)")
        }
        self.tensorInfos = out
        self.packed = packed
    }

    var path: String { base.path }
    var format: String { base.format }
    var metadata: [String: String] { base.metadata }

    /// Whether `name` is dequantized from a packed pair.
    func isPacked(_ name: String) -> Bool { packed[name] != nil }

    /// Experts `experts` of the packed tensor `name`, dequantized: `[experts.count, groups·32, rows]` float32.
    func dequantized(_ name: String, experts: Range<Int>) throws(TLError) -> Tensor {
        guard let pair = packed[name] else { throw .badTensor(name: name, problem: "is not MXFP4-packed in \(base.path)") }
        let blocks = try base.tensor(named: pair.blocks.name), scales = try base.tensor(named: pair.scales.name)
        let shape = [experts.count, pair.groups * Mxfp4.groupSize, pair.rows]
        let storage = ByteStorage.allocate(count: shape.reduce(1, *) * DType.f32.byteSize)
        let contiguous = blocks.strides == Tensor.contiguousStrides(blocks.shape) && scales.strides == Tensor.contiguousStrides(scales.shape)
        guard contiguous else { throw .badTensor(name: pair.blocks.name, problem: "is stored as a strided view; MXFP4 needs contiguous blocks and scales") }
        blocks.storage.withBytes { b in
            scales.storage.withBytes { s in
                Mxfp4.dequantize(blocks: (b.baseAddress! + blocks.byteOffset).assumingMemoryBound(to: UInt8.self),
                                 scales: (s.baseAddress! + scales.byteOffset).assumingMemoryBound(to: UInt8.self),
                                 rows: pair.rows, groups: pair.groups, experts: experts,
                                 into: storage.mutableBase.assumingMemoryBound(to: Float.self))
            }
        }
        return Tensor(dtype: .f32, shape: shape, storage: storage)
    }

    /// A packed tensor comes out whole (for readers that want every expert at once).
    func tensor(named name: String) throws(TLError) -> Tensor {
        guard let pair = packed[name] else { return try base.tensor(named: name) }
        return try dequantized(name, experts: 0..<pair.blocks.shape[0])
    }

    func releasePages(of name: String) {
        guard let pair = packed[name] else { return base.releasePages(of: name) }
        base.releasePages(of: pair.blocks.name)
        base.releasePages(of: pair.scales.name)
    }
}

extension HFConfig {
    /// Whether config.json declares MXFP4-quantized weights.
    var isMxfp4: Bool { object("quantization_config")?["quant_method"]?.stringValue == "mxfp4" }
}
