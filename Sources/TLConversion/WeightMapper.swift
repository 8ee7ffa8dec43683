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
        // Each block (and expert) has tensors of its own: a config claiming more cannot match.
        let tensorCount = checkpoint.weights.tensorInfos.count
        guard config.nLayers * max(config.numExperts ?? 1, 1) <= tensorCount else {
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
        for group in WeightGroup.all(layers: config.nLayers) {
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

    /// The file's tensor a rule reads, nil for zeros. A missing tensor is an error naming it.
    private func fileName(for rule: TensorRule) throws(TLError) -> String? {
        switch rule.source {
        case .zeros:
            return nil
        case .checkpoint(let name):
            guard let found = fileNames[name] else {
                throw .badTensor(name: filePrefix + name,
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
        let shapes = Dictionary(uniqueKeysWithValues:
            CanonicalLayout.parameters(for: config, group: group).map { ($0.name, $0.shape) })
        var out = StateDict()
        for rule in module.rules(for: config, group: group) {
            guard let shape = shapes[rule.target] else { continue }
            guard let name = try fileName(for: rule) else {
                out[rule.target] = .zeros(shape)
                continue
            }
            var tensor = try weights.tensor(named: name).float32()
            // The float copy is what we work on; the mapped pages can go now.
            weights.releasePages(of: name)
            do {
                for transform in rule.transforms { tensor = try transform.apply(tensor, sizes: sizes) }
            } catch {
                throw .badTensor(name: name, problem: "cannot become \(rule.target): \(error.description)")
            }
            guard tensor.shape == shape else {
                throw .badTensor(name: name, problem: "became \(tensor.shape) for \(rule.target), expected \(shape)")
            }
            out[rule.target] = tensor
        }
        return out
    }

    /// The file tensors one group reads (to release their pages once the group is written).
    public func fileNames(for group: WeightGroup) -> [String] {
        module.rules(for: config, group: group).compactMap { try? fileName(for: $0) ?? nil }
    }
}
