/// Tokenizers read from tokenizer.json: byte-level BPE, SentencePiece-style BPE, WordPiece.
public enum TLTokenizers {}
