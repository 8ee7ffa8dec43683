"""Fixtures/tokenizers/: three tokenizer.json files trained with `tokenizers`, and their outputs.

- bpe:           byte-level BPE (GPT-2 / NeoX / Qwen style): ByteLevel pre-tokenizer with the GPT-2
                 regex, byte-to-unicode alphabet, merges by rank, `<|endoftext|>` special token.
- sentencepiece: SentencePiece-style BPE (Llama 2 / Mistral / Gemma style): Metaspace `▁` pre-tokenizer
                 (prepend_scheme "first"), `<unk>` `<s>` `</s>`, byte fallback to `<0xNN>` tokens
                 for characters outside the trained alphabet, Metaspace/ByteFallback/Fuse decoder.
- wordpiece:     BERT WordPiece: BertNormalizer (lowercase, accents stripped, Chinese chars split),
                 BertPreTokenizer, `##` continuation, `[UNK]` `[CLS]` `[SEP]` `[PAD]` `[MASK]`.

cases.json: for every tokenizer and every awkward string, what Hugging Face `tokenizers` returns:
[{"tokenizer", "text", "add_special_tokens", "ids", "tokens", "decoded", "lossless"}], where
decoded = decode(ids, skip_special_tokens=False) and lossless = (decoded == text).
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

AWKWARD = [
    "",
    "Hello world",
    "hello   world",                        # run of spaces
    "  leading and trailing  ",
    "tabs\tand\nnewlines\r\nmixed \t\n end",
    "\n\n\n",
    "digits 0123456789 and 3.14159, 1,000,000",
    "naïve café über straße",
    "Ünïcödé ÀÉÎÕÜ ångström",
    "日本語のテキスト and 中文",
    "emoji 🙂👍🏽 and family 👨‍👩‍👧‍👦 flag 🏳️‍🌈",
    "zero\u200bwidth\u200dspace",
    "CamelCase snake_case kebab-case SHOUTING",
    "it's don't we'll I'M",
    "x = f(a, b) + [c] * {d}; // comment",
    "the model layer norm weight bias attention head",
]
SPECIAL_TEXT = {
    "bpe": ["<|endoftext|>The model<|endoftext|>", "a <|endoftext|> b"],
    "sentencepiece": ["<s>The model</s>", "a <s> b </s> <unk>"],
    "wordpiece": ["[CLS] The model [SEP]", "a [MASK] b [PAD]"],
}


def train_bpe(corpus: list[str]) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def with_byte_fallback(spec: dict, specials) -> dict:
    """A trained BPE spec laid out as SentencePiece does: the specials, then the 256 `<0xNN>`
    byte tokens, then the trained vocabulary; byte_fallback and fuse_unk switched on."""
    trained = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab: dict[str, int] = {}
    for token in specials:
        vocab[token] = len(vocab)
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for token, _ in trained:
        if token not in vocab:
            vocab[token] = len(vocab)
    spec["model"]["vocab"] = vocab
    spec["model"]["byte_fallback"] = True
    spec["model"]["fuse_unk"] = True
    for added in spec["added_tokens"]:
        added["id"] = vocab[added["content"]]
    return spec


def train_sentencepiece_bpe(corpus: list[str]) -> Tokenizer:
    """Train a Metaspace BPE on a limited alphabet, then add the 256 `<0xNN>` byte tokens after the
    special tokens (where SentencePiece puts them) and switch byte_fallback on."""
    specials = ["<unk>", "<s>", "</s>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(corpus, trainer=trainer)

    spec = with_byte_fallback(json.loads(tok.to_str()), specials)
    spec["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"},
        {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0},
    ]}
    out = Tokenizer.from_str(json.dumps(spec))
    return out


def train_wordpiece(corpus: list[str]) -> Tokenizer:
    """BERT WordPiece. `tokenizers`' WordPieceTrainer numbers its `##` alphabet in hash-map order,
    which changes how merge ties break from run to run; so the pieces are learned with the BPE
    trainer (deterministic) on the BERT-normalised, BERT-pre-tokenised corpus, and every piece is
    offered both word-initially and as a `##` continuation."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                            strip_accents=None, lowercase=True)
    learner = Tokenizer(models.BPE())
    learner.normalizer = normalizer
    learner.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    learner.train_from_iterator(corpus, trainer=trainers.BpeTrainer(vocab_size=200, show_progress=False))
    pieces = [t for t, _ in sorted(learner.get_vocab().items(), key=lambda kv: kv[1])]
    vocab = {t: i for i, t in enumerate(specials + pieces + ["##" + t for t in pieces])}

    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##",
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(specials)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def make_tokenizers(fixtures: Path, corpus: list[str]) -> None:
    root = fixtures / "tokenizers"
    root.mkdir(parents=True, exist_ok=True)
    built = {"bpe": train_bpe(corpus), "sentencepiece": train_sentencepiece_bpe(corpus),
             "wordpiece": train_wordpiece(corpus)}
    cases = []
    for kind, tok in built.items():
        (root / kind).mkdir(exist_ok=True)
        tok.save(str(root / kind / "tokenizer.json"), pretty=True)
        tok = Tokenizer.from_file(str(root / kind / "tokenizer.json"))  # outputs of the file as saved
        for text in AWKWARD + SPECIAL_TEXT[kind]:
            for add_special in ((False, True) if kind == "wordpiece" and text in ("", "Hello world") else (False,)):
                enc = tok.encode(text, add_special_tokens=add_special)
                decoded = tok.decode(enc.ids, skip_special_tokens=False)
                cases.append({"tokenizer": kind, "text": text, "add_special_tokens": add_special,
                              "ids": enc.ids, "tokens": enc.tokens, "decoded": decoded,
                              "lossless": decoded == text})
    (root / "cases.json").write_text(json.dumps(cases, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    make_pair_cases(root)


# Sentence pairs for the WordPiece tokenizer (BERT's next-sentence input): A, B.
PAIRS = [("Hello world", "the Model"), ("", "Hello world"), ("Hello world", ""), ("", ""),
         ("The [MASK] sat.", "It was  tired\t!"), ("naïve café", "日本語 tokens"), ("a [SEP] b", "[CLS] c")]


def make_pair_cases(root: Path) -> None:
    """pair_cases.json: `encode(a, b)` with and without special tokens (ids, tokens, type_ids),
    and single texts with special tokens (their type ids), from the saved wordpiece file."""
    tok = Tokenizer.from_file(str(root / "wordpiece" / "tokenizer.json"))
    cases = []
    for a, b in PAIRS + [(text, None) for text in ("Hello world", "The [MASK] sat.", "")]:
        for add_special in (True, False):
            enc = tok.encode(a, b, add_special_tokens=add_special) if b is not None else \
                tok.encode(a, add_special_tokens=add_special)
            cases.append({"tokenizer": "wordpiece", "text": a, "pair": b, "add_special_tokens": add_special,
                          "ids": enc.ids, "tokens": enc.tokens, "type_ids": enc.type_ids})
    (root / "pair_cases.json").write_text(json.dumps(cases, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
