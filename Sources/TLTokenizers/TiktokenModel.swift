import Foundation
import TLCore

/// tiktoken's byte-pair encoding: a word's UTF-8 bytes merge by *rank* — the adjacent pair
/// whose concatenation has the lowest rank in the vocabulary goes first, leftmost among
/// equals — and a word that is itself in the vocabulary is one token without merging.
/// Ids are the ranks; token strings are the bytes in GPT-2's byte alphabet, so the
/// byte-level decoder turns them back into text.
struct TiktokenModel: Sendable {
    let ranks: [[UInt8]: Int]
    let vocab: Vocabulary
    let file: String

    /// Reads a tiktoken rank file: one `base64(token bytes) rank` per line, blank lines skipped.
    static func load(path: String) throws(TLError) -> TiktokenModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .notFound("\(path): cannot read the tiktoken file")
        }
        var ranks = [[UInt8]: Int]()
        var vocab = Vocabulary()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            if fields.isEmpty { continue }
            guard fields.count == 2, let bytes = Data(base64Encoded: Data(fields[0])),
                  let rank = Int(String(decoding: fields[1], as: UTF8.self)), rank >= 0 else {
                throw .badFile(path: path, problem: "line \(lineNumber): expected \"<base64 token> <rank>\"")
            }
            let token = [UInt8](bytes)
            guard !token.isEmpty else { throw .badFile(path: path, problem: "line \(lineNumber): empty token") }
            ranks[token] = rank
            vocab.set(Self.display(token), rank)
        }
        guard !ranks.isEmpty else { throw .badFile(path: path, problem: "no ranks (not a tiktoken file)") }
        // tiktoken starts every word from single bytes: a byte without a rank cannot be encoded.
        if let missing = (0...255).first(where: { ranks[[UInt8($0)]] == nil }) {
            throw .badFile(path: path, problem: "byte 0x\(String(missing, radix: 16)) has no rank (every single byte needs one)")
        }
        return TiktokenModel(ranks: ranks, vocab: vocab, file: path)
    }

    /// A token's bytes as GPT-2 byte-alphabet text (what `tokenize` shows and the decoder reads).
    static func display(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        for byte in bytes { out.append(ByteLevelAlphabet.scalars[Int(byte)]) }
        return String(out)
    }

    func tokenize(_ word: String) throws(TLError) -> [Token] {
        let bytes = Array(word.utf8)
        if bytes.isEmpty { return [] }
        if let rank = ranks[bytes] { return [Token(id: rank, value: Self.display(bytes))] }
        return merge(bytes).map { part in
            let piece = Array(bytes[part])
            return Token(id: ranks[piece] ?? 0, value: Self.display(piece))
        }
    }

    /// The merge loop over byte boundaries: `starts` holds each part's first byte, plus the end.
    private func merge(_ bytes: [UInt8]) -> [Range<Int>] {
        var starts = Array(0...bytes.count)
        func rank(_ i: Int) -> Int? {
            guard i + 2 < starts.count else { return nil }
            return ranks[Array(bytes[starts[i]..<starts[i + 2]])]
        }
        var pairRanks = (0..<(starts.count - 1)).map(rank)
        while true {
            var best: (index: Int, rank: Int)? = nil
            for (i, r) in pairRanks.enumerated() {
                guard let r else { continue }
                if let b = best, r >= b.rank { continue }
                best = (i, r)
            }
            guard let i = best?.index else { break }
            starts.remove(at: i + 1)
            pairRanks.remove(at: i + 1)
            pairRanks[i] = rank(i)
            if i > 0 { pairRanks[i - 1] = rank(i - 1) }
        }
        return (0..<(starts.count - 1)).map { starts[$0]..<starts[$0 + 1] }
    }
}
