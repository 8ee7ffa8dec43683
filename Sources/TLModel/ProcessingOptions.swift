/// The TransformerLens processing steps a conversion applies (CONTRACT.md flags).
public struct ProcessingOptions: Equatable, Sendable {
    public var foldLN = false
    public var centerWritingWeights = false
    public var centerUnembed = false
    public var foldValueBiases = false
    public var refactorFactoredAttnMatrices = false

    public init(foldLN: Bool = false, centerWritingWeights: Bool = false, centerUnembed: Bool = false,
                foldValueBiases: Bool = false, refactorFactoredAttnMatrices: Bool = false) {
        self.foldLN = foldLN
        self.centerWritingWeights = centerWritingWeights
        self.centerUnembed = centerUnembed
        self.foldValueBiases = foldValueBiases
        self.refactorFactoredAttnMatrices = refactorFactoredAttnMatrices
    }

    /// What `HookedTransformer.from_pretrained` applies by default (`--tl-defaults`).
    public static let tlDefaults = ProcessingOptions(foldLN: true, centerWritingWeights: true,
                                                     centerUnembed: true, foldValueBiases: true)
    public static let none = ProcessingOptions()

    public var isNone: Bool { self == .none }

    /// Flag name → value, for the output's `__metadata__` and reports.
    public var flagValues: [(flag: String, enabled: Bool)] {
        [("fold_ln", foldLN), ("center_writing_weights", centerWritingWeights),
         ("center_unembed", centerUnembed), ("fold_value_biases", foldValueBiases),
         ("refactor_factored_attn_matrices", refactorFactoredAttnMatrices)]
    }
}
