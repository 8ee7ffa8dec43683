import TLCore
import TLFormats

/// Qwen (the first)'s tokenizer, `QWenTokenizer` of the Qwen/Qwen-* repos: `qwen.tiktoken`'s
/// ranks, the tiktoken pre-tokenizer pattern below, and 208 special tokens with fixed ids.
/// Its `tokenize` NFC-normalizes the text and allows every special token in it, so
/// `<|endoftext|>` in a prompt is that one token; it adds nothing around the sequence.
/// Decoding joins the bytes and replaces malformed UTF-8 with U+FFFD (errors="replace").
enum QwenTiktoken {
    static let fileName = "qwen.tiktoken"
    static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// The ids are fixed in the tokenizer's code, not counted from the rank file.
    static let specialStartID = 151643
    static let specialTokens: [String] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        + (0..<205).map { "<|extra_\($0)|>" }
}

extension Tokenizer {
    /// The tokenizer `QWenTokenizer` builds from the rank file at `path`.
    public static func qwenTiktoken(path: String) throws(TLError) -> Tokenizer {
        let model = try TiktokenModel.load(path: path)
        let specials = QwenTiktoken.specialTokens.enumerated().map { ($1, QwenTiktoken.specialStartID + $0) }
        let pattern = try TextPattern.regex(CompiledRegex(QwenTiktoken.pattern, place: "pattern", file: path))
        return Tokenizer(model: .tiktoken(model),
                         addedVocabulary: AddedVocabulary(specials: specials),
                         normalizer: .nfc,
                         preTokenizer: .split(pattern, .isolated, invert: false),
                         postProcessor: nil, decoder: .byteLevel, path: path)
    }

    init(model: TokenizerModel, addedVocabulary: AddedVocabulary, normalizer: Normalizer?, preTokenizer: PreTokenizer?,
         postProcessor: PostProcessor?, decoder: Decoder?, path: String) {
        self.model = model
        self.addedVocabulary = addedVocabulary
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.path = path
        truncation = nil
        padding = nil
    }
}
