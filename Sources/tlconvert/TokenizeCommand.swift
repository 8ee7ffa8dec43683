import ArgumentParser
import TLApp
import TLConversion
import TLCore
import TLFormats
import TLTokenizers

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Show the token ids and strings a model's tokenizer gives a text (as Hugging Face `tokenizers` does).",
        discussion: """
            Without --prepend-bos or --add-special-tokens no special tokens are added, exactly like \
            `Tokenizer.from_file(...).encode(text, add_special_tokens=False)`. --prepend-bos starts \
            the sequence with BOS the way TransformerLens's `to_tokens` makes it; --add-special-tokens \
            applies the tokenizer's own template (`encode(text)`: BERT's [CLS] … [SEP]). --pair adds a \
            second sentence (`encode(text, pair)`: BERT's [CLS] A [SEP] B [SEP], type ids 0 then 1); \
            with either, --json also prints "type_ids". Models: byte-level BPE, SentencePiece-style BPE, \
            WordPiece, WordLevel and SentencePiece Unigram (T5, with its Precompiled normaliser and byte \
            fallback). Qwen v1's qwen.tiktoken is read as its \
            QWenTokenizer does (special tokens in the text are tokens; no BOS of its own: --prepend-bos \
            puts <|endoftext|> first); other tiktoken-only tokenizers are refused.
            """
    )

    @Argument(help: "A model directory (Hugging Face or converted layout), a tokenizer.json file, or a zoo name / Hub repo id (resolved like `convert` does: cache, then download).")
    var model: String

    @OptionGroup(title: "Hub")
    var hub: HubOptions

    @Option(parsing: .unconditional, help: "The text to tokenize (or --text-file).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "Read the text from this file (- for standard input), exactly as it is: for text that begins with '-' or is longer than one argument may be.")
    var textFile: String?

    @Flag(help: "Print one JSON object {\"ids\": [...], \"tokens\": [...]} instead of a table.")
    var json = false

    @Flag(name: .customLong("prepend-bos"),
          help: "Start with the BOS token as TransformerLens does (once, even if the tokenizer adds it itself).")
    var prependBOS = false

    @Flag(name: .customLong("add-special-tokens"),
          help: "Add the special tokens of the tokenizer's post-processor template (BERT: [CLS] … [SEP]).")
    var addSpecialTokens = false

    @Option(name: .customLong("pair"), parsing: .unconditional,
            help: "A second sentence, encoded as a pair with the text (BERT: type ids 0 for the text, 1 for this).")
    var pair: String?

    func validate() throws {
        if prependBOS && (addSpecialTokens || pair != nil) {
            throw ValidationError("--prepend-bos is TransformerLens's BOS rule; it cannot be combined with --add-special-tokens or --pair")
        }
    }

    func run() throws {
        try reportingErrors {
            let text = try TextInput.resolve(text, flag: "--text", file: textFile)
            // A path on disk is read as it is; anything else is a model name to resolve.
            let path = FileSystem.kind(of: model) == .missing
                ? try ModelSource.resolve(model, revision: hub.revision, offline: hub.offline).directory
                : model
            let tokenizer = try ModelTokenizer.load(path: try TokenizerLocation.directory(forPath: path, offline: hub.offline),
                                                    facts: try TokenizerFacts.forModel(at: path))
            if addSpecialTokens || pair != nil {
                let encoding = try tokenizer.tokenizer.encode(text, pair: pair, addSpecialTokens: addSpecialTokens)
                print(json ? Self.json((encoding.ids, encoding.tokens), typeIDs: encoding.typeIDs)
                           : Self.table((encoding.ids, encoding.tokens), tokenizer.tokenizer, typeIDs: encoding.typeIDs))
                return
            }
            let encoded = prependBOS
                ? try tokenizer.toTokens(text, prependBOS: true)
                : try tokenizer.tokenizer.encode(text, addSpecialTokens: false)
            print(json ? Self.json(encoded) : Self.table(encoded, tokenizer.tokenizer))
        }
    }

    static func json(_ encoded: (ids: [Int], tokens: [String]), typeIDs: [Int]? = nil) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("ids", .array(encoded.ids.map { .int(Int64($0)) })),
            ("tokens", .array(encoded.tokens.map { .string($0) })),
        ]
        if let typeIDs { members.append(("type_ids", .array(typeIDs.map { .int(Int64($0)) }))) }
        return JSONWriter.string(.object(members))
    }

    /// Position, id, the token string and the text it decodes to, both quoted (so spaces
    /// and newlines show; a byte-level token that is part of a character decodes to U+FFFD).
    /// With `typeIDs`, a `type` column after the id.
    static func table(_ encoded: (ids: [Int], tokens: [String]), _ tokenizer: Tokenizer, typeIDs: [Int]? = nil) -> String {
        var lines = ["\(encoded.ids.count) token\(encoded.ids.count == 1 ? "" : "s")"]
        let idWidth = max(2, encoded.ids.map { String($0).count }.max() ?? 0)
        let posWidth = max(3, String(encoded.ids.count).count)
        let quoted = encoded.tokens.map(JSONWriter.quoted)
        let tokenWidth = max(5, quoted.map(\.count).max() ?? 0)
        let typeHeader = typeIDs == nil ? "" : "type  "
        lines.append(pad("pos", posWidth) + "  " + pad("id", idWidth) + "  " + typeHeader + "token".padding(tokenWidth) + "  text")
        for (i, id) in encoded.ids.enumerated() {
            let text = JSONWriter.quoted(tokenizer.decode([id], skipSpecialTokens: false))
            let type = typeIDs.map { pad(String($0[i]), 4) + "  " } ?? ""
            lines.append(pad(String(i), posWidth) + "  " + pad(String(id), idWidth) + "  " + type
                         + quoted[i].padding(tokenWidth) + "  " + text)
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}

private extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
