import ModelConfigs
import TLCore
import TLFormats
import TLModel

/// Maps a checkpoint into canonical TransformerLens tensors one `WeightGroup` at a time.
///
/// Everything that can be checked without reading data is checked on creation: every
/// tensor in the file is used or a known buffer, every tensor a rule needs is there,
/// floating-point, and of the shape the config implies. So a conversion fails before
/// it writes anything.
public struct WeightMapper: Sendable {
    public let module: ArchitectureModule
    /// The unprocessed canonical config the rules are expanded for.
    public let config: CanonicalConfig
    public let weights: any TensorSource
    /// Prefix-free checkpoint name → name in the file.
    private let fileNames: [String: String]
    /// The prefix the file's names carry (for naming missing tensors as the file would).
    private let filePrefix: String
    private let tiesEmbeddings: Bool
    private let sizes: [String: Int]

    public init(module: ArchitectureModule, config: CanonicalConfig, checkpoint: HFCheckpoint) throws(TLError) {
        self.module = module
        self.config = config
        self.weights = checkpoint.weights
        self.tiesEmbeddings = try module.tiesEmbeddings(checkpoint.config)
        self.sizes = TensorTransform.sizes(for: config)
        let path = checkpoint.weights.path
        // Each block has tensors of its own, and each expert a tensor of its own or, stacked with the
        // others (GPT-OSS), at least d_model values: a config claiming more cannot match.
        let tensorCount = checkpoint.weights.tensorInfos.count
        let elementCount = checkpoint.weights.tensorInfos.reduce(0) { $0 &+ $1.elementCount }
        let experts = config.nLayers * max(config.numExperts ?? 1, 1)
        guard config.nLayers <= tensorCount, experts <= max(tensorCount, elementCount / max(config.dModel, 1)) else {
            throw .badFile(path: path, problem: "holds \(tensorCount) tensors, too few for the \(config.nLayers) layers config.json declares")
        }
        var fileNames = [String: String]()
        for info in checkpoint.weights.tensorInfos {
            let bare = module.stripPrefix(info.name)
            if let other = fileNames[bare] {
                throw .badFile(path: path, problem: "tensors '\(other)' and '\(info.name)' are the same parameter")
            }
            fileNames[bare] = info.name
        }
        self.fileNames = fileNames
        self.filePrefix = module.prefixes.first { prefix in
            checkpoint.weights.tensorInfos.contains { $0.name.hasPrefix(prefix) }
        } ?? ""
        // Every tensor in the file must be read by a rule or be a known buffer.
        let used = module.checkpointNames(for: config).union(module.bufferNames(for: config))
        for info in checkpoint.weights.tensorInfos where !used.contains(module.stripPrefix(info.name)) {
            throw .badFile(path: path, problem: "tensor '\(info.name)' is not a parameter of \(module.family) with this config.json (\(config.nLayers) layers) — unexpected tensor")
        }
        // Every rule's source must exist with the shape the config implies.
        for group in WeightGroup.all(for: config) {
            let shapes = Dictionary(uniqueKeysWithValues:
                CanonicalLayout.parameters(for: config, group: group).map { ($0.name, $0.shape) })
            for rule in module.rules(for: config, group: group) {
                guard let target = shapes[rule.target] else {
                    throw .unsupported("\(module.family): rule for '\(rule.target)', which TransformerLens does not have")
                }
                guard let name = try fileName(for: rule) else { continue }
                let expected = try expectedSourceShape(rule, target: target)
                guard let info = weights.info(named: name) else {
                    throw .badTensor(name: name, problem: "missing from \(path)")
                }
                guard info.dtype.isFloatingPoint else {
                    throw .badTensor(name: name, problem: "is \(info.dtype.rawValue) in \(path), expected a floating-point tensor")
                }
                guard info.shape == expected else {
                    throw .badTensor(name: name, problem: "has shape \(info.shape) in \(path), config.json implies \(expected)")
                }
            }
            let produced = Set(module.rules(for: config, group: group).map(\.target))
            if let missing = shapes.keys.sorted().first(where: { !produced.contains($0) }) {
                throw .unsupported("\(module.family): no rule produces TransformerLens parameter '\(missing)'")
            }
        }
    }

    /// The file's tensor a rule reads, nil for a constant. A missing tensor is an error naming it.
    private func fileName(for rule: TensorRule) throws(TLError) -> String? {
        switch rule.source {
        case .zeros, .ones:
            return nil
        case .checkpoint(let name):
            guard let found = fileNames[name] else {
                // Named as the file would name it: without its prefix where the file's names of that
                // kind carry none (BERT's `cls.*` heads sit beside `bert.*`).
                let kind = (name.split(separator: ".").first.map(String.init) ?? name) + "."
                let bare = weights.tensorInfos.contains { $0.name.hasPrefix(kind) }
                throw .badTensor(name: (bare ? "" : filePrefix) + name,
                                 problem: "missing from \(weights.path) (needed for \(rule.target))")
            }
            return found
        case .unembedding(let lmHead, let embedding):
            if let found = fileNames[lmHead] { return found }
            guard tiesEmbeddings else {
                throw .badTensor(name: lmHead, problem: "missing from \(weights.path) and config.json does not tie embeddings")
            }
            guard let found = fileNames[embedding] else {
                throw .badTensor(name: embedding, problem: "missing from \(weights.path) (needed for \(rule.target))")
            }
            return found
        }
    }

    private func expectedSourceShape(_ rule: TensorRule, target: [Int]) throws(TLError) -> [Int] {
        var shape = target
        for transform in rule.transforms.reversed() {
            shape = try transform.inputShape(producing: shape, sizes: sizes)
        }
        return shape
    }

    /// The canonical tensors of one group (unprocessed), keyed by TransformerLens name.
    public func map(_ group: WeightGroup) throws(TLError) -> StateDict {
        try map(group, pool: nil)
    }

    /// `map(_:)` drawing output arrays from `pool`. Each tensor is gathered straight from
    /// the mapped file into its output array (`StridedSource`); the group's file pages are
    /// released once all its rules have read them (GPT-2's `c_attn` feeds three).
    func map(_ group: WeightGroup, pool: FloatBufferPool?) throws(TLError) -> StateDict {
        let shapes = Dictionary(uniqueKeysWithValues:
            CanonicalLayout.parameters(for: config, group: group).map { ($0.name, $0.shape) })
        var out = StateDict()
        var read = [String]()
        defer { for name in read { weights.releasePages(of: name) } }
        let rules = module.rules(for: config, group: group)
        var readers = [String: Int]()
        for rule in rules { if let name = try? fileName(for: rule) { readers[name, default: 0] += 1 } }
        for rule in rules {
            guard let shape = shapes[rule.target] else { continue }
            let count = shape.reduce(1, *)
            guard let name = try fileName(for: rule) else {
                let fill = rule.source.fill ?? 0
                var values = pool?.take(count: count) ?? [Float](repeating: fill, count: count)
                if pool != nil { values.withUnsafeMutableBufferPointer { $0.update(repeating: fill) } }
                out[rule.target] = FloatTensor(shape: shape, values: values)
                continue
            }
            if !read.contains(name) { read.append(name) }
            var values = pool?.take(count: count) ?? [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
            if let packed = weights as? Mxfp4Weights, packed.isPacked(name) {
                try gatherDequantized(name, from: packed, rule, producing: shape, into: &values)
                out[rule.target] = FloatTensor(shape: shape, values: values)
                continue
            }
            let source = try weights.tensor(named: name)
            if let window = window(rule, over: source.shape, strides: source.strides, reach: lastElement(of: source),
                                   producing: shape) {
                if count > 0 {
                    // A tensor only this rule reads can give its pages back while it is copied
                    // (an embedding is the largest tensor: that is the peak it lowers).
                    let storage = source.storage, offset = source.byteOffset, width = source.dtype.byteSize
                    let soleReader = readers[name] == 1
                    storage.withBytes { bytes in
                        values.withUnsafeMutableBufferPointer { buffer in
                            StridedGather.gather(bytes.baseAddress! + offset, dtype: source.dtype,
                                                 window: window, into: buffer.baseAddress!,
                                                 done: soleReader ? { start, n in
                                                     storage.releasePages(offset: offset + start * width, count: n * width)
                                                 } : nil)
                        }
                    }
                }
                try applyElementwise(window, &values)
            } else {
                // A stored view whose strides the transforms cannot follow in one window (a torch
                // tensor saved as a view): widened to a contiguous copy, every consistent chain is one.
                let copy = source.float32()
                guard let window = window(rule, over: copy.shape, strides: Tensor.contiguousStrides(copy.shape),
                                          reach: copy.values.count - 1, producing: shape) else {
                    throw .badTensor(name: name, problem: "shape \(source.shape) cannot become \(rule.target) \(shape)")
                }
                if count > 0 {
                    copy.values.withUnsafeBytes { bytes in
                        values.withUnsafeMutableBufferPointer { buffer in
                            StridedGather.gather(bytes.baseAddress!, dtype: .f32, window: window,
                                                 into: buffer.baseAddress!, done: nil)
                        }
                    }
                }
                try applyElementwise(window, &values)
            }
            out[rule.target] = FloatTensor(shape: shape, values: values)
        }
        return out
    }

    /// A rule over an MXFP4-packed tensor: only the experts its window reaches are dequantized
    /// (one, for a per-expert rule), then gathered as from a stored float32 tensor.
    private func gatherDequantized(_ name: String, from packed: Mxfp4Weights, _ rule: TensorRule,
                                   producing shape: [Int], into values: inout [Float]) throws(TLError) {
        guard let info = packed.info(named: name), let first = info.shape.first, first > 0,
              let full = window(rule, over: info.shape, strides: Tensor.contiguousStrides(info.shape),
                                reach: info.elementCount - 1, producing: shape) else {
            throw .badTensor(name: name, problem: "cannot become \(rule.target) \(shape)")
        }
        guard shape.reduce(1, *) > 0 else { return }
        let perExpert = info.elementCount / first
        let experts = full.offset / perExpert ..< full.lastElement / perExpert + 1
        let slice = try packed.dequantized(name, experts: experts)
        let window = full.rebased(by: experts.lowerBound * perExpert)
        slice.storage.withBytes { bytes in
            values.withUnsafeMutableBufferPointer { buffer in
                StridedGather.gather(bytes.baseAddress!, dtype: .f32, window: window, into: buffer.baseAddress!, done: nil)
            }
        }
        try applyElementwise(window, &values)
    }

    /// The rule's transforms as one window over a tensor of `shape` and `strides`, when it
    /// produces the canonical `target` shape and stays within the tensor's `reach` (its last element).
    private func window(_ rule: TensorRule, over shape: [Int], strides: [Int], reach: Int,
                        producing target: [Int]) -> StridedSource? {
        guard let window = StridedSource.compile(shape: shape, strides: strides, transforms: rule.transforms, sizes: sizes),
              window.shape == target, window.offset >= 0,
              target.reduce(1, *) == 0 || window.lastElement <= reach else { return nil }
        return window
    }

    /// The furthest element (from its first) a tensor's own view reaches.
    private func lastElement(of tensor: Tensor) -> Int {
        zip(tensor.shape, tensor.strides).reduce(0) { $0 + max($1.0 - 1, 0) * $1.1 }
    }

    private func applyElementwise(_ window: StridedSource, _ values: inout [Float]) throws(TLError) {
        for step in window.elementwise {
            try values.withUnsafeMutableBufferPointer { buffer throws(TLError) in try step.applyElementwise(to: buffer, sizes: sizes) }
        }
    }
}
