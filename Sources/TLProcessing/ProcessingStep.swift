import TLCore
import TLModel

/// One TransformerLens weight-processing step. Every step reads and writes inside
/// one `WeightGroup`, so a conversion can apply it while streaming group by group;
/// `apply` leaves groups the step does not concern untouched. `config` is always the
/// unprocessed canonical config. The steps assume the order and the preconditions
/// `ProcessingPipeline` establishes (e.g. refactoring refuses rotary models there).
public protocol ProcessingStep {
    static func apply(to group: WeightGroup, weights: inout StateDict, config: CanonicalConfig) throws(TLError)
}
