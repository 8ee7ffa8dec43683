import TLCore

/// Processing applied to canonical weights one `WeightGroup` at a time, so a
/// conversion can stream: map a group, process it, write it, release it.
/// TLProcessing's pipeline implements it; the converter only calls it.
public protocol GroupProcessing: Sendable {
    /// The config after processing (e.g. `normalization_type` LN → LNPre after folding).
    /// - Parameter config: the unprocessed canonical config.
    func outputConfig(for config: CanonicalConfig) throws(TLError) -> CanonicalConfig

    /// Processes one group in place. `weights` holds exactly that group's canonical
    /// tensors (full names); steps may drop tensors (folded norms) or add them
    /// (materialised biases). `config` is the unprocessed canonical config.
    func process(_ group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError)
}
