import TLCore
import TLModel

/// Access to one group's tensors by TransformerLens name: a missing or misshapen
/// tensor becomes a `TLError` naming it, never a trap.
enum Param {
    static func read(_ name: String, _ weights: StateDict, shape: [Int]) throws(TLError) -> FloatTensor {
        guard let tensor = weights[name] else { throw .badTensor(name: name, problem: "missing") }
        guard tensor.shape == shape else {
            throw .badTensor(name: name, problem: "shape \(tensor.shape), expected \(shape) from the config")
        }
        return tensor
    }

    static func optional(_ name: String, _ weights: StateDict, shape: [Int]) throws(TLError) -> FloatTensor? {
        guard weights[name] != nil else { return nil }
        return try read(name, weights, shape: shape)
    }

    /// The tensor, or zeros of `shape` when the model has none (TransformerLens's
    /// `fill_missing_keys` materialises absent biases as their zero initialisation).
    static func orZeros(_ name: String, _ weights: StateDict, shape: [Int]) throws(TLError) -> FloatTensor {
        try optional(name, weights, shape: shape) ?? .zeros(shape)
    }

    /// Removes `name` so the caller holds the only reference (mutating then copies nothing).
    static func take(_ name: String, _ weights: inout StateDict, shape: [Int]) throws(TLError) -> FloatTensor {
        let tensor = try read(name, weights, shape: shape)
        weights[name] = nil
        return tensor
    }

    static func takeOrZeros(_ name: String, _ weights: inout StateDict, shape: [Int]) throws(TLError) -> FloatTensor {
        let tensor = try orZeros(name, weights, shape: shape)
        weights[name] = nil
        return tensor
    }

    /// The dimension a config field gives, or a clear error when the config lacks it.
    static func dimension(_ value: Int?, _ field: String) throws(TLError) -> Int {
        guard let value, value > 0 else {
            throw .unsupported("config.json: '\(field)' is \(value.map(String.init) ?? "null"); processing needs it")
        }
        return value
    }
}

/// The shapes processing reads from a `CanonicalConfig`.
struct Dims {
    let dModel: Int
    let nHeads: Int
    let kvHeads: Int
    let dHead: Int
    /// "_" for grouped-query attention, whose K/V are stored as `_W_K`, `_b_K`, … .
    let kvPrefix: String

    init(_ config: CanonicalConfig) throws(TLError) {
        dModel = try Param.dimension(config.dModel, "d_model")
        nHeads = try Param.dimension(config.nHeads, "n_heads")
        dHead = try Param.dimension(config.dHead, "d_head")
        kvHeads = try Param.dimension(config.kvHeads, "n_key_value_heads")
        guard nHeads % kvHeads == 0 else {
            throw .unsupported("config.json: n_heads \(nHeads) is not a multiple of n_key_value_heads \(kvHeads)")
        }
        kvPrefix = config.isGroupedQuery ? "_" : ""
    }

    func dMLP(_ config: CanonicalConfig) throws(TLError) -> Int {
        try Param.dimension(config.dMLP, "d_mlp")
    }
}

extension CanonicalConfig {
    /// Mixture of experts as TransformerLens tests it (`num_experts and num_experts > 1`).
    var isMixtureOfExperts: Bool { (numExperts ?? 0) > 1 }
}
