/// What a family's tokenizer needs beyond its files, as transformers and TransformerLens
/// 2.16.1 treat it. (Whether BOS is prepended by default is a config field,
/// `default_prepend_bos`, set by the family's config derivation.)
public struct TokenizerDeclaration: Sendable, Equatable {
    /// transformers' tokenizer class for the family's model type, used when
    /// tokenizer_config.json names none.
    public var fallbackClass: String?
    /// TransformerLens loads the tokenizer slow (`use_fast=False` for names containing "phi").
    public var loadsSlow: Bool

    public init(fallbackClass: String? = nil, loadsSlow: Bool = false) {
        self.fallbackClass = fallbackClass
        self.loadsSlow = loadsSlow
    }
}
