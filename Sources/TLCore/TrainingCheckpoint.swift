/// A training checkpoint as TransformerLens's `from_pretrained(checkpoint_index=, checkpoint_value=)`
/// records it in the config: its position in the model's list of checkpoints, its label, and
/// whether labels count steps or tokens.
public struct TrainingCheckpoint: Sendable, Equatable {
    public let index: Int
    public let value: Int
    /// `step` or `token`.
    public let labelType: String

    public init(index: Int, value: Int, labelType: String) {
        self.index = index
        self.value = value
        self.labelType = labelType
    }
}
