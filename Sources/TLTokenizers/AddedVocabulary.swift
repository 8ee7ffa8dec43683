import TLCore

/// tokenizer.json's `added_tokens`: tokens matched in the raw text before any
/// normalization or pre-tokenization (special tokens such as `<|endoftext|>`, and
/// user-added words), as tokenizers' AddedVocabulary does.
struct AddedVocabulary: Sendable {
    struct Entry: Sendable, Equatable {
        let content: String
        let singleWord: Bool
        let lstrip: Bool
        let rstrip: Bool
        let normalized: Bool
        let special: Bool
    }

    /// A piece of input after added-token extraction: text still to tokenize, or a token.
    enum Segment: Sendable {
        case text(TextPiece)
        case token(Token)
    }

    private struct Pattern: Sendable {
        let bytes: [UInt8]
        let id: Int
        let entry: Entry
    }

    private(set) var ids = [ExactString: Int]()
    private(set) var entries = [Int: Entry]()
    private var specialContents = Set<ExactString>()
    /// Matched in the original text.
    private var rawPatterns = [Pattern]()
    /// Matched in normalized text, in their normalized form.
    private var normalizedPatterns = [Pattern]()

    init() {}

    /// Reads `added_tokens`, giving each token its id the way tokenizers does on load:
    /// the model's id when the model knows the content, otherwise the next free id.
    init(json: JSONFields, model: TokenizerModel, normalizer: Normalizer?) throws(TLError) {
        guard json.has("added_tokens") else { return }
        var list = [Entry]()
        for item in try json.objects("added_tokens") {
            // tokenizers reads `id` as a u32 (and then gives the token its own id).
            guard let id = item.value["id"]?.intValue, (0...Int(UInt32.max)).contains(id) else {
                throw item.fail("id", "expected an integer in 0...2^32-1")
            }
            list.append(Entry(content: try item.string("content"),
                              singleWord: try item.bool("single_word", default: false),
                              lstrip: try item.bool("lstrip", default: false),
                              rstrip: try item.bool("rstrip", default: false),
                              normalized: try item.bool("normalized", default: !(try item.bool("special", default: false))),
                              special: try item.bool("special", default: false)))
        }
        let vocab = model.vocab
        var special = [Entry](), classic = [Entry]()
        for e in list where e.special && !e.content.isEmpty && !specialContents.contains(ExactString(e.content)) {
            special.append(e)
            specialContents.insert(ExactString(e.content))
        }
        var seen = [Entry]()
        var nextID = vocab.count
        for e in list {
            if e.content.isEmpty || seen.contains(e) { continue }
            let id: Int
            if let known = ids[ExactString(e.content)] ?? vocab[e.content] {
                id = known
            } else {
                id = nextID
                nextID += 1
            }
            ids[ExactString(e.content)] = id
            entries[id] = e
            if !specialContents.contains(ExactString(e.content)) { classic.append(e) }
            seen.append(e)
        }
        for e in special + classic {
            guard let id = ids[ExactString(e.content)] else { continue }
            if e.normalized {
                let form = try normalizer?.normalize(e.content, file: json.file) ?? e.content
                normalizedPatterns.append(Pattern(bytes: Array(form.utf8), id: id, entry: e))
            } else {
                rawPatterns.append(Pattern(bytes: Array(e.content.utf8), id: id, entry: e))
            }
        }
    }

    /// Special tokens with ids of their own (tiktoken's `special_tokens`), matched in the raw text.
    init(specials: [(content: String, id: Int)]) {
        for (content, id) in specials where !content.isEmpty && ids[ExactString(content)] == nil {
            let e = Entry(content: content, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: true)
            ids[ExactString(content)] = id
            entries[id] = e
            specialContents.insert(ExactString(content))
            rawPatterns.append(Pattern(bytes: Array(content.utf8), id: id, entry: e))
        }
    }

    func id(of content: String) -> Int? { ids[ExactString(content)] }
    func content(of id: Int) -> String? { entries[id]?.content }
    func isSpecial(_ content: String) -> Bool { specialContents.contains(ExactString(content)) }

    /// Splits `text` on added tokens, normalizing the text between them.
    func extract(_ text: String, normalizer: Normalizer?, file: String) throws(TLError) -> [Segment] {
        var segments = [Segment]()
        for first in split(TextPiece(text: text, atOrigin: true), rawPatterns) {
            guard case .text(let piece) = first else { segments.append(first); continue }
            let normalized = TextPiece(text: try normalizer?.normalize(piece.text, file: file) ?? piece.text,
                                       atOrigin: piece.atOrigin)
            segments.append(contentsOf: split(normalized, normalizedPatterns))
        }
        return segments
    }

    /// Leftmost-longest, non-overlapping matches of `patterns` (aho-corasick's
    /// LeftmostLongest), honouring single_word, lstrip and rstrip; empty text dropped.
    private func split(_ piece: TextPiece, _ patterns: [Pattern]) -> [Segment] {
        let text = piece.text
        guard !text.isEmpty else { return [] }
        let bytes = Array(text.utf8)
        guard !patterns.isEmpty else { return [.text(piece)] }

        var segments = [Segment]()
        var consumed = 0          // end of the last emitted split
        var searchFrom = 0        // aho-corasick resumes after the raw match
        func emitText(_ from: Int, _ to: Int) {
            guard from < to else { return }
            segments.append(.text(TextPiece(text: Self.string(bytes[from..<to]), atOrigin: piece.atOrigin && from == 0)))
        }
        while let (matchStart, pattern) = Self.leftmostLongest(bytes, from: searchFrom, patterns) {
            var start = matchStart
            var stop = matchStart + pattern.bytes.count
            searchFrom = stop
            let e = pattern.entry
            if e.singleWord {
                let startSpace = start == 0 || !Self.endsWithWord(bytes[..<start])
                let stopSpace = stop == bytes.count || !Self.startsWithWord(bytes[stop...])
                if !startSpace || !stopSpace { continue }
            }
            if e.lstrip {
                start = max(Self.whitespaceRunStart(bytes, before: start), consumed)
            }
            if e.rstrip {
                stop = Self.whitespaceRunEnd(bytes, after: stop)
            }
            emitText(consumed, start)
            segments.append(.token(Token(id: pattern.id, value: Self.string(bytes[start..<stop]))))
            consumed = stop
        }
        emitText(consumed, bytes.count)
        return segments
    }

    private static func leftmostLongest(_ bytes: [UInt8], from: Int, _ patterns: [Pattern]) -> (Int, Pattern)? {
        // The first byte rules out most positions and patterns without comparing slices
        // (Qwen v1 has 208 special tokens, all starting with `<`).
        var startsAPattern = [Bool](repeating: false, count: 256)
        for p in patterns { if let first = p.bytes.first { startsAPattern[Int(first)] = true } }
        var position = from
        while position < bytes.count {
            let first = bytes[position]
            guard startsAPattern[Int(first)] else { position += 1; continue }
            var best: Pattern? = nil
            for p in patterns where p.bytes.first == first && p.bytes.count > (best?.bytes.count ?? 0) {
                if position + p.bytes.count <= bytes.count,
                   bytes[position..<(position + p.bytes.count)].elementsEqual(p.bytes) {
                    best = p
                }
            }
            if let best { return (position, best) }
            position += 1
        }
        return nil
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func endsWithWord(_ bytes: ArraySlice<UInt8>) -> Bool {
        string(bytes).unicodeScalars.last.map(UnicodeClasses.isWordCharacter) ?? false
    }

    private static func startsWithWord(_ bytes: ArraySlice<UInt8>) -> Bool {
        string(bytes).unicodeScalars.first.map(UnicodeClasses.isWordCharacter) ?? false
    }

    /// Start of the whitespace run that ends at `before`.
    private static func whitespaceRunStart(_ bytes: [UInt8], before: Int) -> Int {
        let scalars = string(bytes[..<before]).unicodeScalars
        var start = before
        for c in scalars.reversed() {
            guard UnicodeClasses.isWhitespace(c) else { break }
            start -= String(c).utf8.count
        }
        return start
    }

    /// End of the whitespace run that starts at `after`.
    private static func whitespaceRunEnd(_ bytes: [UInt8], after: Int) -> Int {
        var end = after
        for c in string(bytes[after...]).unicodeScalars {
            guard UnicodeClasses.isWhitespace(c) else { break }
            end += String(c).utf8.count
        }
        return end
    }
}
