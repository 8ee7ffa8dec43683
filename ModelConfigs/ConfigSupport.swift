import TLCore
import TLModel

/// Config readings several families share.
extension HFConfig {
    /// Throws when a boolean option that TransformerLens cannot represent is switched on.
    public func require(_ key: String, is expected: Bool, default value: Bool, _ what: String) throws(TLError) {
        guard try bool(key, default: value) == expected else {
            throw .unsupported("\(path): '\(key)' = \(!expected) (\(what)) has no TransformerLens equivalent")
        }
    }

    /// Rotary scaling from `rope_scaling`: none/default, or Llama 3's NTK-by-parts.
    /// Any other kind changes the rotary frequencies in a way TransformerLens cannot express.
    public func applyRopeScaling(to c: inout CanonicalConfig) throws(TLError) {
        guard let scaling = object("rope_scaling") else { return }
        let kind = scaling["rope_type"]?.stringValue ?? scaling["type"]?.stringValue ?? "default"
        switch kind {
        case "default":
            return
        case "llama3":
            func number(_ key: String, _ fallback: Double) -> Double { scaling[key]?.doubleValue ?? fallback }
            c.useNTKByPartsRope = true
            c.NTKByPartsFactor = number("factor", c.NTKByPartsFactor)
            c.NTKByPartsLowFreqFactor = number("low_freq_factor", c.NTKByPartsLowFreqFactor)
            c.NTKByPartsHighFreqFactor = number("high_freq_factor", c.NTKByPartsHighFreqFactor)
            c.NTKOriginalCtxLen = scaling["original_max_position_embeddings"]?.intValue ?? c.NTKOriginalCtxLen
        case "linear":
            // Every frequency divided by `factor`: NTK-by-parts whose smallest wavelength (2π) is
            // already beyond the low-frequency bound (an original context of 1 position) is exactly that.
            c.useNTKByPartsRope = true
            c.NTKByPartsFactor = scaling["factor"]?.doubleValue ?? 1
            c.NTKByPartsLowFreqFactor = 1
            c.NTKByPartsHighFreqFactor = 2
            c.NTKOriginalCtxLen = 1
        default:
            throw .unsupported("\(path): rope_scaling type '\(kind)' has no TransformerLens equivalent")
        }
    }

    /// One sliding window on every layer when `sliding_window` is set (Mistral, Mixtral, Phi-3:
    /// Hugging Face masks with it whenever it is not null).
    public func applyUniformSlidingWindow(to c: inout CanonicalConfig) throws(TLError) {
        guard let window = try optionalInt("sliding_window"), window > 0 else { return }
        c.useLocalAttn = true
        c.windowSize = window
        c.attnTypes = Array(repeating: .local, count: c.nLayers)
    }

    /// Per-layer windows from `layer_types` (`sliding_attention` → local, `full_attention` → global).
    /// - Parameter defaultWindow: the config class's window when `sliding_window` is not written.
    public func applyLayerTypes(_ layerTypes: [String], to c: inout CanonicalConfig,
                                defaultWindow: Int? = nil) throws(TLError) {
        guard layerTypes.count == c.nLayers else {
            throw .badFile(path: path, problem: "'layer_types' has \(layerTypes.count) entries for \(c.nLayers) layers")
        }
        var types = [AttentionScope]()
        for kind in layerTypes {
            switch kind {
            case "sliding_attention": types.append(.local)
            case "full_attention": types.append(.global)
            default: throw .unsupported("\(path): layer type '\(kind)' has no TransformerLens equivalent")
            }
        }
        guard types.contains(.local) else { return }
        guard let window = try optionalInt("sliding_window") ?? (isWritten("sliding_window") ? nil : defaultWindow),
              window > 0 else {
            throw .badFile(path: path, problem: "sliding layers need a positive 'sliding_window'")
        }
        c.useLocalAttn = true
        c.windowSize = window
        c.attnTypes = types
    }

    /// An activation name (`hidden_act`, `activation_function`) as TransformerLens's `act_fn`;
    /// one TransformerLens does not implement is refused.
    public func activation(_ key: String, default value: ActivationKind) throws(TLError) -> ActivationKind {
        let name = try string(key, default: value.rawValue)
        guard let kind = ActivationKind(rawValue: name) else {
            throw .unsupported("\(path): activation '\(name)' has no TransformerLens equivalent")
        }
        return kind
    }

    /// `n_key_value_heads` as TransformerLens sets it for LLaMA-like families: only when it
    /// differs from the number of query heads (otherwise K/V are stored ungrouped).
    public func groupedKVHeads(_ key: String = "num_key_value_heads", heads: Int) throws(TLError) -> Int? {
        let kv = try int(key, default: heads)
        return kv == heads ? nil : kv
    }
}


/// `int(d · fraction)` as Hugging Face computes partial rotary dimensions.
func partialRotaryDim(_ dHead: Int, _ fraction: Double) -> Int { Int(Double(dHead) * fraction) }
