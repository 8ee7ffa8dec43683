import TLCore
import TLModel

/// Processing applied to canonical weights one `WeightGroup` at a time, so a conversion
/// can stream: map a group, process it, write it, release it. `ProcessingPipeline` is the
/// implementation; the converter sees only this.
public protocol GroupProcessing: Sendable {
    /// The flags asked for (the output's `__metadata__` records them).
    var options: ProcessingOptions { get }

    /// Decides once per model what runs, or throws for a request that must be refused.
    /// - Parameter config: the unprocessed canonical config.
    func prepare(for config: CanonicalConfig) throws(TLError) -> any PreparedProcessing
}

/// One model's processing, decided.
public protocol PreparedProcessing: Sendable {
    /// The config after processing (e.g. `normalization_type` LN → LNPre after folding).
    var outputConfig: CanonicalConfig { get }
    /// One line per requested step that does not apply to this model, for the user.
    var notices: [String] { get }
    /// The flags that take effect for this model (what the output records as applied).
    var applied: ProcessingOptions { get }

    /// Processes one group in place. `weights` holds exactly that group's canonical
    /// tensors (full names); steps may drop tensors (folded norms) or add them
    /// (materialised biases).
    func process(_ group: WeightGroup, weights: inout StateDict) throws(TLError)
}
