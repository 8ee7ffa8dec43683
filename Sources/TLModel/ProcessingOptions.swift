/// The TransformerLens processing steps a conversion applies (CONTRACT.md flags).
/// Each flag's name is spelled once, in `Flag`: the command-line option, the output's
/// `__metadata__` key and the processing step all derive from it.
public struct ProcessingOptions: Equatable, Sendable {
    /// One processing step, named as TransformerLens's `from_pretrained` argument.
    public enum Flag: String, CaseIterable, Sendable {
        case foldLN = "fold_ln"
        case centerWritingWeights = "center_writing_weights"
        case centerUnembed = "center_unembed"
        case foldValueBiases = "fold_value_biases"
        case refactorFactoredAttnMatrices = "refactor_factored_attn_matrices"

        /// The command-line option's name without dashes (`fold-ln`).
        public var optionName: String { rawValue.replacing("_", with: "-") }
    }

    /// The flags that are on.
    public var enabled: Set<Flag>

    public init(_ enabled: Set<Flag> = []) {
        self.enabled = enabled
    }

    public init(foldLN: Bool = false, centerWritingWeights: Bool = false, centerUnembed: Bool = false,
                foldValueBiases: Bool = false, refactorFactoredAttnMatrices: Bool = false) {
        let values: [(Flag, Bool)] = [(.foldLN, foldLN), (.centerWritingWeights, centerWritingWeights),
                                      (.centerUnembed, centerUnembed), (.foldValueBiases, foldValueBiases),
                                      (.refactorFactoredAttnMatrices, refactorFactoredAttnMatrices)]
        self.init(Set(values.filter(\.1).map(\.0)))
    }

    /// Whether `flag` is on.
    public subscript(flag: Flag) -> Bool {
        get { enabled.contains(flag) }
        set { if newValue { enabled.insert(flag) } else { enabled.remove(flag) } }
    }

    public var foldLN: Bool { get { self[.foldLN] } set { self[.foldLN] = newValue } }
    public var centerWritingWeights: Bool {
        get { self[.centerWritingWeights] } set { self[.centerWritingWeights] = newValue }
    }
    public var centerUnembed: Bool { get { self[.centerUnembed] } set { self[.centerUnembed] = newValue } }
    public var foldValueBiases: Bool { get { self[.foldValueBiases] } set { self[.foldValueBiases] = newValue } }
    public var refactorFactoredAttnMatrices: Bool {
        get { self[.refactorFactoredAttnMatrices] } set { self[.refactorFactoredAttnMatrices] = newValue }
    }

    /// What `HookedTransformer.from_pretrained` applies by default (`--tl-defaults`).
    public static let tlDefaults = ProcessingOptions([.foldLN, .centerWritingWeights, .centerUnembed, .foldValueBiases])
    public static let none = ProcessingOptions()

    public var isNone: Bool { enabled.isEmpty }

    /// Every flag as `"true"`/`"false"` under its name: the `__metadata__` entries of a
    /// converted model or a cache file.
    public var metadata: [String: String] {
        Dictionary(uniqueKeysWithValues: Flag.allCases.map { ($0.rawValue, self[$0] ? "true" : "false") })
    }

    /// The flags `metadata` recorded (absent ones are off).
    public init(metadata: [String: String]) {
        self.init(Set(Flag.allCases.filter { metadata[$0.rawValue] == "true" }))
    }
}
