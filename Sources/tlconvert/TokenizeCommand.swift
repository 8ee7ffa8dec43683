import ArgumentParser
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
            sequence starts with BOS the way TransformerLens's `to_tokens` makes it.
            """
    )

    @Argument(help: "A model directory (Hugging Face or converted layout) or a tokenizer.json file.")
    var model: String

    @Option(help: "The text to tokenize.")
    var text: String

    @Flag(help: "Print one JSON object {\"ids\": [...], \"tokens\": [...]} instead of a table.")
    var json = false

    @Flag(name: .customLong("prepend-bos"),
          help: "Start with the BOS token as TransformerLens does (once, even if the tokenizer adds it itself).")
    var prependBOS = false

    func run() throws {
        try reportingErrors {
            let tokenizer = try ModelTokenizer.load(path: model)
            let encoded = prependBOS
                ? tokenizer.toTokens(text, prependBOS: true)
                : tokenizer.tokenizer.encode(text, addSpecialTokens: false)
            print(json ? Self.json(encoded) : Self.table(encoded))
        }
    }

    static func json(_ encoded: (ids: [Int], tokens: [String])) -> String {
        JSONWriter.string(.object([
            ("ids", .array(encoded.ids.map { .int(Int64($0)) })),
            ("tokens", .array(encoded.tokens.map { .string($0) })),
        ]))
    }

    /// Position, id and the token string quoted (so spaces and newlines show).
    static func table(_ encoded: (ids: [Int], tokens: [String])) -> String {
        var lines = ["\(encoded.ids.count) token\(encoded.ids.count == 1 ? "" : "s")"]
        let idWidth = max(2, encoded.ids.map { String($0).count }.max() ?? 0)
        let posWidth = max(3, String(encoded.ids.count).count)
        lines.append(pad("pos", posWidth) + "  " + pad("id", idWidth) + "  token")
        for (i, (id, token)) in zip(encoded.ids, encoded.tokens).enumerated() {
            lines.append(pad(String(i), posWidth) + "  " + pad(String(id), idWidth) + "  " + JSONWriter.quoted(token))
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
