import TLCore
import TLFormats
import TLModel

/// One architecture family as a declaration: which Hugging Face architecture
/// strings it serves, how its `config.json` becomes a TransformerLens config, and
/// how its checkpoint tensors become TransformerLens parameters.
public struct ArchitectureModule: Sendable {
    /// A short human name ("GPT-2", "LLaMA").
    public let family: String
    /// `architectures[0]` values of `config.json` this module converts.
    public let architectures: [String]
    /// Optional leading parts of checkpoint names (`transformer.`, `model.`); rules omit them.
    public let prefixes: [String]
    /// Non-parameter tensors some files carry (causal masks, rotary tables): skipped.
    public let buffers: [String]
    /// The `transformers` default of `tie_word_embeddings` for this family's config class.
    public let tiedEmbeddingsByDefault: Bool
    /// The fields TransformerLens's `convert_hf_model_config` derives for this family.
    public let config: @Sendable (HFConfig) throws(TLError) -> CanonicalConfig
    /// The tensor map.
    public let tensors: [TensorRule]
    /// What the family's tokenizer needs beyond its files.
    public let tokenizer: TokenizerDeclaration
    /// Whether rules for parameters the config's layout lacks are skipped rather than errors:
    /// TransformerLens-native families declare every parameter a toy model may have (norms,
    /// MLP, `mlp.ln`, `W_pos`), and the config (attention-only, LNPre, shortformer) picks.
    public let rulesFollowLayout: Bool
    /// Old spellings of name endings, read as the new ones (`.gamma` → `.weight`), as
    /// transformers renames them when it loads such a file.
    public let spellings: [(old: String, new: String)]

    public init(family: String, architectures: [String], prefixes: [String] = [], buffers: [String] = [],
                spellings: [(old: String, new: String)] = [], tiedEmbeddingsByDefault: Bool = true, tokenizer: TokenizerDeclaration = .init(),
                rulesFollowLayout: Bool = false,
                config: @escaping @Sendable (HFConfig) throws(TLError) -> CanonicalConfig,
                tensors: [TensorRule]) {
        self.family = family
        self.architectures = architectures
        // Longest first, so `model.decoder.` wins over `model.`.
        self.prefixes = prefixes.sorted { $0.count > $1.count }
        self.buffers = buffers
        self.tiedEmbeddingsByDefault = tiedEmbeddingsByDefault
        self.config = config
        self.tensors = tensors
        self.tokenizer = tokenizer
        self.rulesFollowLayout = rulesFollowLayout
        self.spellings = spellings
    }

    /// The complete canonical config, as `get_pretrained_model_config` finishes it
    /// for a model loaded without processing, then `HookedTransformerConfig.__post_init__`.
    /// - Parameters:
    ///   - modelID: the repo id or local path the model came from (TransformerLens's `tokenizer_name`;
    ///     its last component becomes `model_name`).
    public func canonicalConfig(from hf: HFConfig, modelID: String, dtype: DType = .f32) throws(TLError) -> CanonicalConfig {
        var c = try config(hf)
        guard c.nLayers > 0, c.dModel > 0, c.dHead > 0, c.nHeads > 0, c.dVocab > 0, c.nCtx > 0 else {
            throw .badFile(path: hf.path, problem: "sizes must be positive (layers \(c.nLayers), d_model \(c.dModel), heads \(c.nHeads), d_head \(c.dHead), vocab \(c.dVocab), context \(c.nCtx))")
        }
        // Sizes from a hostile config must not overflow the parameter counts below.
        let products = [[c.nLayers, c.dModel, c.dHead, c.nHeads, 4], [c.dVocab, c.dModel], [c.nCtx, c.dModel],
                        [c.nLayers, c.dModel, c.dMLP ?? 0, 3, (c.numExperts ?? 0) + 1]]
        guard products.allSatisfy({ checkedProduct($0) != nil }) else {
            throw .badFile(path: hf.path, problem: "sizes are implausibly large")
        }
        if !c.attnOnly, (c.dMLP ?? 1) <= 0 {
            throw .badFile(path: hf.path, problem: "the MLP width must be positive")
        }
        if c.position == .rotary, let r = c.rotaryDim, r <= 0 || r > c.dHead || r % 2 != 0 {
            throw .badFile(path: hf.path, problem: "rotary dimension \(r) must be even and within d_head \(c.dHead)")
        }
        if let g = c.nKeyValueHeads, g <= 0 || c.nHeads % g != 0 {
            throw .badFile(path: hf.path, problem: "\(c.nHeads) attention heads cannot be grouped into \(g) key/value heads")
        }
        // The causal-LM name TransformerLens knows, also for base-model files (`GPT2Model`).
        c.originalArchitecture = hf.recordedArchitecture ?? architectures[0]
        // TransformerLens-native configs name their tokenizer (`tokenizer_name`); others are their own.
        c.tokenizerName = c.tokenizerName ?? modelID
        let trimmed = modelID.hasSuffix("/") ? String(modelID.dropLast()) : modelID
        c.modelName = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        c.initWeights = false
        c.fromCheckpoint = false
        c.device = nil
        c.nDevices = 1
        c.dtype = dtype
        c.applyDerivedDefaults()
        return c
    }

    /// Whether the output embedding is the input embedding (`tie_word_embeddings`).
    public func tiesEmbeddings(_ hf: HFConfig) throws(TLError) -> Bool {
        try hf.bool("tie_word_embeddings", default: tiedEmbeddingsByDefault)
    }

    /// The checkpoint name with a declared prefix removed (and an old spelling of its ending renewed).
    public func stripPrefix(_ name: String) -> String {
        var bare = name
        for prefix in prefixes where name.hasPrefix(prefix) {
            bare = String(name.dropFirst(prefix.count))
            break
        }
        for (old, new) in spellings where bare.hasSuffix(old) { return String(bare.dropLast(old.count)) + new }
        return bare
    }

    /// The rules for one group, with templates filled in, in declaration order.
    public func rules(for c: CanonicalConfig, group: WeightGroup) -> [TensorRule] {
        var out = [TensorRule]()
        let layout = rulesFollowLayout ? Set(CanonicalLayout.parameters(for: c, group: group).map(\.name)) : nil
        for rule in tensors where rule.layers.contains(c.nLayers) {
            let layers: [Int?]
            switch group {
            // An encoder-decoder numbers its decoder's blocks after its encoder's; a stack's
            // templates take the layer within it. Unindexed targets that name a block (T5's bias
            // table on each stack's first) land in it by the group check below.
            case .block(let l): layers = rule.isPerBlock ? [l % max(c.nLayers, 1)] : [nil]
            case .embed, .unembed: layers = rule.isPerBlock ? [] : [nil]
            }
            for layer in layers {
                let experts: [Int?] = rule.isPerExpert ? (0..<(c.numExperts ?? 0)).map { $0 } : [nil]
                for expert in experts {
                    let target = expandTemplate(rule.target, layer: layer, expert: expert, groupedQuery: c.isGroupedQuery)
                    guard WeightGroup(parameter: target, config: c) == group, layout?.contains(target) ?? true else { continue }
                    let source: TensorRule.Source
                    switch rule.source {
                    case .checkpoint(let name):
                        source = .checkpoint(expandTemplate(name, layer: layer, expert: expert))
                    case .unembedding(let lmHead, let embedding):
                        source = .unembedding(lmHead: lmHead, embedding: embedding)
                    case .zeros, .ones:
                        source = rule.source
                    }
                    let transforms = expert.map { e in rule.transforms.map { $0.selectingExpert(e) } } ?? rule.transforms
                    out.append(TensorRule(target: target, source: source, transforms: transforms))
                }
            }
        }
        return out
    }

    /// Every (prefix-free) checkpoint name the rules read, for all blocks and experts.
    public func checkpointNames(for c: CanonicalConfig) -> Set<String> {
        var names = Set<String>()
        for group in WeightGroup.all(for: c) {
            for rule in rules(for: c, group: group) {
                switch rule.source {
                case .checkpoint(let name): names.insert(name)
                case .unembedding(let lmHead, let embedding): names.formUnion([lmHead, embedding])
                case .zeros, .ones: break
                }
            }
        }
        return names
    }

    /// Every (prefix-free) buffer name a file may carry for this config.
    public func bufferNames(for c: CanonicalConfig) -> Set<String> {
        var names = Set<String>()
        for template in buffers {
            if template.contains("{l}") {
                for l in 0..<c.nLayers { names.insert(expandTemplate(template, layer: l)) }
            } else {
                names.insert(template)
            }
        }
        return names
    }
}

/// The product of `factors`, or nil if it overflows `Int`.
func checkedProduct(_ factors: [Int]) -> Int? {
    var product = 1
    for factor in factors {
        let (value, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        product = value
    }
    return product
}
