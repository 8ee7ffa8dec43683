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
            Without --prepend-bos no special tokens are added, exactly like \
            `Tokenizer.from_file(...).encode(text, add_special_tokens=False)`. With it, the \
            sequence starts with BOS the way TransformerLens's `to_tokens` makes it. Qwen v1's \
            qwen.tiktoken is read as its QWenTokenizer does (special tokens in the text are \
            tokens; no BOS of its own: --prepend-bos puts <|endoftext|> first); other tiktoken-only \
            tokenizers are refused.
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

    func run() throws {
        try reportingErrors {
            let text = try TextInput.resolve(text, flag: "--text", file: textFile)
            // A path on disk is read as it is; anything else is a model name to resolve.
            let path = FileSystem.kind(of: model) == .missing
                ? try ModelSource.resolve(model, revision: hub.revision, offline: hub.offline).directory
                : model
            let tokenizer = try ModelTokenizer.load(path: try TokenizerLocation.directory(forPath: path, offline: hub.offline),
                                                    facts: try TokenizerFacts.forModel(at: path))
            let encoded = prependBOS
                ? try tokenizer.toTokens(text, prependBOS: true)
                : try tokenizer.tokenizer.encode(text, addSpecialTokens: false)
            print(json ? Self.json(encoded) : Self.table(encoded, tokenizer.tokenizer))
        }
    }

    static func json(_ encoded: (ids: [Int], tokens: [String])) -> String {
        JSONWriter.string(.object([
            ("ids", .array(encoded.ids.map { .int(Int64($0)) })),
            ("tokens", .array(encoded.tokens.map { .string($0) })),
        ]))
    }

    /// Position, id, the token string and the text it decodes to, both quoted (so spaces
    /// and newlines show; a byte-level token that is part of a character decodes to U+FFFD).
    static func table(_ encoded: (ids: [Int], tokens: [String]), _ tokenizer: Tokenizer) -> String {
        var lines = ["\(encoded.ids.count) token\(encoded.ids.count == 1 ? "" : "s")"]
        let idWidth = max(2, encoded.ids.map { String($0).count }.max() ?? 0)
        let posWidth = max(3, String(encoded.ids.count).count)
        let quoted = encoded.tokens.map(JSONWriter.quoted)
        let tokenWidth = max(5, quoted.map(\.count).max() ?? 0)
        lines.append(pad("pos", posWidth) + "  " + pad("id", idWidth) + "  " + "token".padding(tokenWidth) + "  text")
        for (i, id) in encoded.ids.enumerated() {
            let text = JSONWriter.quoted(tokenizer.decode([id], skipSpecialTokens: false))
            lines.append(pad(String(i), posWidth) + "  " + pad(String(id), idWidth) + "  "
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
