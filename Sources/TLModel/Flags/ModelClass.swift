/// Which TransformerLens class a model is: the decoder `HookedTransformer`, the encoder
/// `HookedEncoder` (BERT) or `HookedEncoderDecoder` (T5). TransformerLens has no config field
/// for it (the class is chosen by the caller), so a converted `config.json` carries it through
/// `original_architecture`, as TransformerLens's own loaders key the class on.
public enum ModelClass: String, Sendable, CaseIterable {
    case hookedTransformer = "HookedTransformer"
    case hookedEncoder = "HookedEncoder"
    case hookedEncoderDecoder = "HookedEncoderDecoder"

    /// Architectures TransformerLens loads as `HookedEncoder`.
    public static let encoderArchitectures: Set<String> = [
        "BertForMaskedLM", "BertForPreTraining", "BertModel", "BertForNextSentencePrediction",
    ]
    /// Architectures TransformerLens loads as `HookedEncoderDecoder`.
    public static let encoderDecoderArchitectures: Set<String> = ["T5ForConditionalGeneration"]

    /// The class for a config's `original_architecture` (a decoder when absent or unknown).
    public init(originalArchitecture: String?) {
        guard let originalArchitecture else { self = .hookedTransformer; return }
        if Self.encoderArchitectures.contains(originalArchitecture) {
            self = .hookedEncoder
        } else if Self.encoderDecoderArchitectures.contains(originalArchitecture) {
            self = .hookedEncoderDecoder
        } else {
            self = .hookedTransformer
        }
    }
}
