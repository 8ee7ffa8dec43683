"""Fixtures/tokenizers/extra/: tokenizer.json layouts the three base fixtures do not cover, and
what Hugging Face `tokenizers` and TransformerLens 2.16.1 make of awkward strings with them.

Each tokenizer is trained here with `tokenizers` (deterministic BPE trainer, fixed corpus), then
shaped like a real family's file:

- llama3:   Sequence[Split(Llama 3 regex, Isolated), ByteLevel(use_regex=false)], ignore_merges (with
            whole words in the vocabulary that merges cannot reach), merges in the legacy "a b" form, TemplateProcessing `<|begin_of_text|> $A`, added tokens
            with lstrip/rstrip and a single_word non-special token; tokenizer_class
            PreTrainedTokenizerFast (the file's own post-processor adds BOS).
- o200k:    GPT-OSS's layout (tiktoken's o200k_base): Sequence[Split(o200k regex: case-aware letter runs
            with (?i:) contractions, \p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M} classes, \p{N}{1,3}, [\r\n/]*, (?!\S)),
            ByteLevel(use_regex=false)], the harmony special tokens (<|start|>, <|message|>, ...), no BOS
            in the post-processor; tokenizer_class PreTrainedTokenizerFast.
- qwen:     NFC normalizer, Split(Qwen2 regex), ByteLevel(use_regex=false), no BOS token
            (TransformerLens falls back to the EOS text); tokenizer_class Qwen2Tokenizer.
- neox:     NFKC normalizer, ByteLevel(add_prefix_space=true) with the GPT-2 regex, a normalized
            non-special added token; tokenizer_class GPTNeoXTokenizer (add_bos_token rebuilds the
            post-processor).
- llama2:   SentencePiece-style legacy BPE: normalizer Sequence[Prepend("▁"), Replace(" ", "▁")],
            no pre-tokenizer, byte_fallback, unk + fuse_unk, decoder Replace/ByteFallback/Fuse/Strip;
            tokenizer_class LlamaTokenizer.
- mistral:  Metaspace(prepend_scheme "first", split=false) with the Metaspace decoder, byte_fallback;
            tokenizer_class LlamaTokenizer with add_eos_token.
- pieces:   WordPiece behind Sequence[NFD, StripAccents, Lowercase] and
            Sequence[WhitespaceSplit, Punctuation, Digits(individual)], decoder WordPiece.
- gem-sp:   Gemma's layout: Replace(" ", "▁") normalizer only (no prefix), no pre-tokenizer,
            byte_fallback, decoder Replace/ByteFallback/Fuse; tokenizer_class GemmaTokenizer.
- meta-always / meta-never: Metaspace with prepend_scheme "always" (behind WhitespaceSplit, as T5
            has it) and "never", split on ▁, with the matching Metaspace decoder.
- words:    BPE with end_of_word_suffix "</w>" behind Sequence[Strip, Lowercase] and
            Sequence[Whitespace, Digits], decoder BPEDecoder.
- subwords: BPE with continuing_subword_prefix "##", unk without fusing, behind
            Sequence[CharDelimiterSplit("-"), Punctuation(removed), WhitespaceSplit].
- wordlevel: WordLevel over the corpus's words, Whitespace pre-tokenizer.
- padded:   the llama2 layout with the file's own truncation (max_length 12) and padding
            (Fixed 16, left): `tokenizers` applies both; transformers' __call__ (so TransformerLens)
            replaces them with its own.

extra_cases.json = {
  "cases": [{"tokenizer", "text", "add_special_tokens", "ids", "tokens", "decoded", "lossless"}],
     decoded = decode(ids, skip_special_tokens=False), lossless = decoded == text;
  "to_tokens": [{"tokenizer", "text", "n_ctx", "ids", "str_tokens"}]: HookedTransformer.to_tokens(text,
     prepend_bos=True)[0] and to_str_tokens of it, for a tiny TransformerLens model with that n_ctx built
     on that directory's tokenizer (n_ctx 8 shows TransformerLens's truncation);
  "tokenizer_prepends_bos": {tokenizer: cfg.tokenizer_prepends_bos},
  "models": [{"model", "text", "ids", "tokens"}]: every Fixtures/models/<case>/tokenizer.json on the
     activation-cache prompt and a few awkward strings, without special tokens
}

bert_normalizer.json: BertNormalizer (and the Unicode classes around it) as `tokenizers` applies it,
checked on every code point but the surrogates, one at a time (the tables `tokenizers` links are older
Unicode than Swift's: general categories Unicode 8.0 in `unicode_categories`, NFD and combining marks
Unicode 9.0 in `unicode-normalization-alignments`; `versions` records where they were seen to differ):
  "steps": {step: {"removed"/"space"/"padded"/"split": ["41-5A", "FFFD", ...] code point ranges in hex,
                   "mapped": {"hex": "hex hex ..."} (the output of the code points mapped otherwise)}}
     clean_text, handle_chinese_chars, strip_accents, lowercase: BertNormalizer with only that flag on
     (strip_accents = NFD then drop Mn); strip_accents_normalizer: the StripAccents normalizer;
     punctuation: the code points the Punctuation pre-tokenizer isolates (BertPreTokenizer's test);
  "texts": [{"text", "config": {BertNormalizer fields}, "normalized"}]: samples of every general category
     (Python's unicodedata picks them) and the tricky code points, through five flag combinations;
  "cases": the same texts through Fixtures/tokenizers/wordpiece, in the cases.json format.

hostile.json: tokenizer.json files that are malformed or hostile, and what `tokenizers` makes of them:
  "regex": [{"pattern", "text", "pieces"}]: Split(Regex(pattern), "isolated").pre_tokenize_str(text) pieces
     (Oniguruma syntax and semantics: lookaround, atomic and possessive groups, (?i:), nested classes, ...);
  "files": [{"name", "spec", "text", "outcome": "ids"|"load_error"|"encode_error", "ids", "tokens", "error",
     "seconds"}]: Tokenizer.from_str(spec) then encode(text), timed: regex bombs (Oniguruma's
     retry-limit-in-match gives up), a chain of doubling Replace normalizers (tokenizers runs it; tlconvert
     refuses growth past 32 times), unk tokens missing from the vocabulary, added-token ids that are no
     u32, truncation strides not below max_length minus the added tokens.

Run: tools/.venv/bin/python tools/make_tokenizer_cases.py [--only extra|bert|hostile]  (writes only under Fixtures/tokenizers/)
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from fixture_tokenizers import with_byte_fallback
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# GPT-OSS's tokenizer.json (tiktoken's o200k_base pattern).
O200K_REGEX = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
               r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
               r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
              r"|\s*[\r\n]+|\s+(?!\S)|\s+")

CORPUS = [
    "The model reads the residual stream and writes its output back into it.",
    "Attention heads move information between positions; MLP layers process it in place.",
    "Layer norm weights fold into the following linear maps, and biases follow them.",
    "It's what we'll see: they're done, I'm sure, you've seen it, he'd know.",
    "Numbers like 12345, 3.14159 and 1,000,000 appear in text; so do dates like 2024-01-31.",
    "naïve café über straße façade résumé coöperate Ångström",
    "日本語のテキストと中文的句子 한국어 문장 العربية",
    "def forward(self, x):\n    return self.unembed(self.blocks(x))\n",
    "  indented   text\twith\ttabs\r\nand windows newlines\n\n",
    "emoji 🙂 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ★ ☃ → ∑ ∞",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ ① ﬁ ligatures ™",
    "CamelCase snake_case kebab-case SHOUTING MiXeD",
    "remodel models modeling the model's model",
] * 3

TEXTS = [
    "",
    " ",
    "Hello world",
    "hello   world  ",
    "  leading and trailing  ",
    "tabs\tand\nnewlines\r\nmixed \t\n end",
    "\n\n\n",
    "digits 0123456789 and 3.14159, 1,000,000 12345678901",
    "naïve café über straße",
    "e\u0301 versus \u00e9, A\u030a versus \u00c5",
    "ＦＵＬＬ ｗｉｄｔｈ ① ﬁne ™ ㎏",
    "İstanbul ΣΊΣΥΦΟΣ ß",
    "日本語のテキスト and 中文 한국어 العربية",
    "emoji 🙂👍🏽 and family 👨‍👩‍👧‍👦 flag 🏳️‍🌈",
    "zero\u200bwidth\u200dspace \ufeffbom",
    "it's don't we'll I'M THEY'RE",
    "x = f(a, b) + [c] * {d}; // comment",
    "€100 £5 ¥3 ₿",
    "remodel models model model's modeling",
]
SPECIAL_TEXTS = {
    "llama3": ["<|begin_of_text|>The model<|eot_id|>", "a <|mask|>  b", "a<|mask|>b", "x <|begin_of_text|><|begin_of_text|>"],
    "o200k": ["<|start|>user<|message|>Hi there<|end|><|start|>assistant", "it's IT'S McDonald'S HTTPServer x/y\n/z",
              "ＡＢＣdef ǅungla ʰmod 1234567 née\u0301 \r\n\r\n  x"],
    "qwen": ["<|endoftext|>The model<|im_end|>", "a <|im_start|>user\nhi<|im_end|>"],
    "neox": ["<|endoftext|>The model<|endoftext|>", "a Special Phrase b ＳＰＥＣＩＡＬ phrase"],
    "llama2": ["<s>The model</s>", "a <s> b </s> <unk>", "  <s>x"],
    "mistral": ["<s>The model</s>", "[INST] hi [/INST]", "a [INST]b"],
    "pieces": ["[CLS] The model [SEP]", "a [MASK] b [PAD]"],
}


def byte_level_bpe(pre_tokenizer, normalizer=None, ignore_merges=False, vocab_size=420, specials=()):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def with_legacy_merges(tok: Tokenizer) -> Tokenizer:
    """Rewrite `merges` as "a b" strings, the format older tokenizer.json files use."""
    spec = json.loads(tok.to_str())
    spec["model"]["merges"] = [f"{a} {b}" for a, b in spec["model"]["merges"]]
    return Tokenizer.from_str(json.dumps(spec))


def with_whole_words(tok: Tokenizer, words: list[str]) -> Tokenizer:
    """Append byte-level forms of whole words to the vocabulary without merges that build them:
    only `ignore_merges` finds them. The byte-level form is what the ByteLevel pre-tokenizer
    itself makes of the word."""
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    for word in words:
        (form, _), = byte_level.pre_tokenize_str(word)
        vocab.setdefault(form, len(vocab))
    return Tokenizer.from_str(json.dumps(spec))


def build_llama3():
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok = byte_level_bpe(pre, ignore_merges=True, specials=["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"])
    tok = with_legacy_merges(with_whole_words(tok, [" café", " straße", "Hello"]))
    tok.add_special_tokens([AddedToken("<|mask|>", lstrip=True, rstrip=True, special=True, normalized=False)])
    tok.add_tokens([AddedToken("model", single_word=True, normalized=False)])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>",
              "eos_token": "<|end_of_text|>", "clean_up_tokenization_spaces": False}
    return tok, config


def build_o200k():
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(O200K_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok = byte_level_bpe(pre, specials=["<|startoftext|>", "<|endoftext|>", "<|return|>", "<|constrain|>",
                                        "<|channel|>", "<|start|>", "<|end|>", "<|message|>", "<|call|>"])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|startoftext|>", "eos_token": "<|return|>",
              "pad_token": "<|endoftext|>", "clean_up_tokenization_spaces": False}
    return tok, config


def build_qwen():
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok = byte_level_bpe(pre, normalizer=normalizers.NFC(), specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    config = {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|endoftext|>",
              "pad_token": "<|endoftext|>", "clean_up_tokenization_spaces": False}
    return tok, config


def build_neox():
    tok = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=True), normalizer=normalizers.NFKC(),
                         specials=["<|endoftext|>", "<|padding|>"])
    tok = with_legacy_merges(tok)
    tok.add_tokens([AddedToken("special phrase", normalized=True)])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    config = {"tokenizer_class": "GPTNeoXTokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
              "unk_token": "<|endoftext|>", "add_prefix_space": False, "clean_up_tokenization_spaces": False}
    return tok, config


def sentencepiece_bpe(normalizer, pre_tokenizer, decoder, specials=("<unk>", "<s>", "</s>"), vocab_size=330):
    """Train on the corpus's characters, then put the 256 `<0xNN>` byte tokens after the specials
    (where SentencePiece has them) and switch byte_fallback and fuse_unk on: characters the corpus
    lacks (€, Σ, ㎏, …) fall back to bytes."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    if normalizer is not None:
        tok.normalizer = normalizer
    if pre_tokenizer is not None:
        tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(specials), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    spec = with_byte_fallback(json.loads(tok.to_str()), specials)
    spec["decoder"] = decoder
    return Tokenizer.from_str(json.dumps(spec))


def build_llama2():
    normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    tok = sentencepiece_bpe(normalizer, None, decoder)
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                       special_tokens=[("<s>", bos)])
    config = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "add_bos_token": True, "add_eos_token": False, "legacy": True, "clean_up_tokenization_spaces": False}
    return tok, config


def build_mistral():
    pre = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
        {"type": "ByteFallback"}, {"type": "Fuse"}]}
    tok = sentencepiece_bpe(None, pre, decoder)
    tok.add_special_tokens([AddedToken("[INST]", special=True, normalized=False),
                            AddedToken("[/INST]", special=True, normalized=False)])
    config = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "add_bos_token": True, "add_eos_token": True, "legacy": False, "clean_up_tokenization_spaces": False}
    return tok, config


def build_pieces():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    pre = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(),
                                   pre_tokenizers.Digits(individual_digits=True)])
    # WordPieceTrainer breaks ties in hash-map order; learn pieces with the BPE trainer instead.
    learner = Tokenizer(models.BPE())
    learner.normalizer = normalizer
    learner.pre_tokenizer = pre
    learner.train_from_iterator(CORPUS, trainer=trainers.BpeTrainer(vocab_size=180, show_progress=False))
    pieces = [t for t, _ in sorted(learner.get_vocab().items(), key=lambda kv: kv[1])]
    vocab = {t: i for i, t in enumerate(specials + pieces + ["##" + t for t in pieces])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##",
                                     max_input_chars_per_word=12))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    tok.add_special_tokens(specials)
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                   ("[CLS]", tok.token_to_id("[CLS]")))
    config = {"tokenizer_class": "BertTokenizer", "cls_token": "[CLS]", "sep_token": "[SEP]", "unk_token": "[UNK]",
              "pad_token": "[PAD]", "mask_token": "[MASK]"}
    return tok, config


def build_gem_sp():
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}]}
    tok = sentencepiece_bpe(normalizers.Replace(" ", "▁"), None, decoder, specials=("<pad>", "<eos>", "<bos>", "<unk>"))
    config = {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>",
              "pad_token": "<pad>", "add_bos_token": True, "add_eos_token": False, "clean_up_tokenization_spaces": False}
    return tok, config


def build_metaspace(scheme: str):
    def build():
        meta = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme, split=True)
        pre = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), meta]) if scheme == "always" else meta
        decoder = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": True}
        tok = sentencepiece_bpe(None, pre, decoder)
        config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                  "unk_token": "<unk>", "clean_up_tokenization_spaces": False}
        return tok, config
    return build


def learn_bpe(words: list[str], n_merges: int, prefix: str = "", suffix: str = "") -> tuple[dict, list]:
    """A plain BPE learner (most frequent pair first, ties to the smallest pair), because
    `tokenizers`' trainer numbers suffixed/prefixed symbols in hash-map order, so its output
    changes from run to run. Only the vocabulary and merges come from here; every reference
    output is still `tokenizers`' own."""
    counts: dict[tuple, int] = {}
    for w in words:
        symbols = tuple((prefix if i else "") + c + (suffix if i == len(w) - 1 else "") for i, c in enumerate(w))
        counts[symbols] = counts.get(symbols, 0) + 1
    alphabet = sorted({s for word in counts for s in word})
    merges = []
    for _ in range(n_merges):
        pairs: dict[tuple, int] = {}
        for word, n in counts.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merged = best[0] + best[1][len(prefix):]
        merges.append(best)
        new_counts = {}
        for word, n in counts.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new_counts[tuple(out)] = new_counts.get(tuple(out), 0) + n
        counts = new_counts
    vocab: dict[str, int] = {}
    for token in alphabet + [a + b[len(prefix):] for a, b in merges]:
        vocab.setdefault(token, len(vocab))
    return vocab, [list(m) for m in merges]


def corpus_words(normalizer, pre_tokenizer) -> list[str]:
    words = []
    for line in CORPUS:
        text = normalizer.normalize_str(line) if normalizer is not None else line
        words += [w for w, _ in pre_tokenizer.pre_tokenize_str(text)]
    return words


def bpe_from_spec(model: dict, normalizer, pre_tokenizer, decoder, specials=()) -> Tokenizer:
    tok = Tokenizer.from_str(json.dumps({"version": "1.0", "model": model}))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoder
    tok.add_special_tokens(list(specials))
    return tok


def build_words():
    normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Lowercase()])
    pre = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits()])
    vocab, merges = learn_bpe(corpus_words(normalizer, pre), 150, suffix="</w>")
    model = {"type": "BPE", "vocab": vocab, "merges": merges, "end_of_word_suffix": "</w>"}
    return bpe_from_spec(model, normalizer, pre, decoders.BPEDecoder(suffix="</w>")), {"tokenizer_class": "PreTrainedTokenizerFast"}


def build_subwords():
    pre = pre_tokenizers.Sequence([pre_tokenizers.CharDelimiterSplit("-"),
                                   pre_tokenizers.Punctuation(behavior="removed"),
                                   pre_tokenizers.WhitespaceSplit()])
    vocab, merges = learn_bpe(corpus_words(None, pre), 150, prefix="##")
    vocab = {"[UNK]": 0, **{t: i + 1 for t, i in vocab.items()}}
    model = {"type": "BPE", "vocab": vocab, "merges": merges, "unk_token": "[UNK]",
             "continuing_subword_prefix": "##", "fuse_unk": False}
    tok = bpe_from_spec(model, None, pre, decoders.WordPiece(prefix="##", cleanup=False), specials=["[UNK]"])
    return tok, {"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]"}


def build_wordlevel():
    splitter = pre_tokenizers.Whitespace()
    words = sorted({w for line in CORPUS for w, _ in splitter.pre_tokenize_str(line)})
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(["<unk>"] + words)}, unk_token="<unk>"))
    tok.pre_tokenizer = splitter
    return tok, {"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "<unk>"}


def build_padded():
    tok, config = build_llama2()
    tok.enable_truncation(max_length=12, direction="right")
    tok.enable_padding(direction="left", pad_id=0, pad_token="<unk>", length=16)
    return tok, config


BUILDERS = {"llama3": build_llama3, "o200k": build_o200k, "qwen": build_qwen, "neox": build_neox, "llama2": build_llama2,
            "mistral": build_mistral, "pieces": build_pieces, "gem-sp": build_gem_sp,
            "meta-always": build_metaspace("always"), "meta-never": build_metaspace("never"), "words": build_words, "subwords": build_subwords,
            "wordlevel": build_wordlevel, "padded": build_padded}
SPECIAL_TEXTS["words"] = SPECIAL_TEXTS["subwords"] = SPECIAL_TEXTS["wordlevel"] = ["re-model the co-operative x-y"]
SPECIAL_TEXTS["padded"] = SPECIAL_TEXTS["llama2"]
SPECIAL_TEXTS["gem-sp"] = ["<bos>The model<eos>", "a <bos> b <eos> <unk>"]
SPECIAL_TEXTS["meta-always"] = SPECIAL_TEXTS["meta-never"] = ["<s>The model</s>", "a <s>b </s>  <unk>"]
SHORT_CONTEXT = {"llama2", "qwen"}  # also run with n_ctx 8
# Layouts no causal LM of TransformerLens uses: no to_tokens rows.
NOT_CAUSAL = {"pieces", "words", "subwords", "wordlevel"}


def tl_to_tokens(directory: Path, texts: list[str], n_ctx: int) -> tuple[bool, list[dict]]:
    """TransformerLens's own to_tokens / to_str_tokens on a tiny model carrying this directory's tokenizer."""
    from transformers import AutoTokenizer
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    hf = AutoTokenizer.from_pretrained(str(directory))
    cfg = HookedTransformerConfig(n_layers=1, d_model=8, n_ctx=n_ctx, d_head=4, n_heads=2, d_mlp=16,
                                  act_fn="relu", d_vocab=len(hf), default_prepend_bos=True)
    model = HookedTransformer(cfg, tokenizer=hf)
    rows = []
    for text in texts:
        ids = model.to_tokens(text, prepend_bos=True)[0]
        rows.append({"tokenizer": directory.name, "text": text, "n_ctx": n_ctx, "ids": ids.tolist(),
                     "str_tokens": model.to_str_tokens(ids)})
    return bool(model.cfg.tokenizer_prepends_bos), rows


def make_extra(fixtures: Path) -> None:
    extra = fixtures / "extra"
    cases, to_tokens, prepends = [], [], {}
    for name, build in BUILDERS.items():
        tok, config = build()
        directory = extra / name
        directory.mkdir(parents=True, exist_ok=True)
        tok.save(str(directory / "tokenizer.json"), pretty=True)
        (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
        tok = Tokenizer.from_file(str(directory / "tokenizer.json"))  # outputs of the file as saved
        texts = TEXTS + SPECIAL_TEXTS[name]
        for text in texts:
            for add_special in (False, True):
                enc = tok.encode(text, add_special_tokens=add_special)
                decoded = tok.decode(enc.ids, skip_special_tokens=False)
                cases.append({"tokenizer": name, "text": text, "add_special_tokens": add_special,
                              "ids": enc.ids, "tokens": enc.tokens, "decoded": decoded, "lossless": decoded == text})
        if name not in NOT_CAUSAL:
            prepends[name], rows = tl_to_tokens(directory, texts, 1024)
            to_tokens += rows
            if name in SHORT_CONTEXT:
                to_tokens += tl_to_tokens(directory, texts, 8)[1]
    model_rows = []
    prompt = json.loads((fixtures.parent / "caches" / "gpt2" / "prompt.json").read_text())["text"]
    for path in sorted((fixtures.parent / "models").glob("*/tokenizer.json")):
        tok = Tokenizer.from_file(str(path))
        for text in [prompt, "", "<|endoftext|>Hello  world\n\t1234 👨‍👩‍👧", "naïve café über straße"]:
            enc = tok.encode(text, add_special_tokens=False)
            model_rows.append({"model": path.parent.name, "text": text, "ids": enc.ids, "tokens": enc.tokens})
    out = {"cases": cases, "to_tokens": to_tokens, "tokenizer_prepends_bos": prepends, "models": model_rows}
    (fixtures / "extra_cases.json").write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases, {len(to_tokens)} to_tokens rows -> {fixtures / 'extra_cases.json'}", file=sys.stderr)


SURROGATES = range(0xD800, 0xE000)


def all_code_points() -> list[str]:
    return [chr(c) for c in range(0x110000) if c not in SURROGATES]


def per_character(transform, chars: list[str], separator: str = "|") -> list[str]:
    """transform(text) applied to each character alone, in batches joined by a separator that no step
    changes or produces (a starter, so NFD cannot reorder across it); a batch whose split does not
    line up is redone one character at a time."""
    out = []
    for start in range(0, len(chars), 4096):
        batch = chars[start:start + 4096]
        parts = transform(separator.join(batch)).split(separator)
        if len(parts) != len(batch) or separator in batch:
            parts = [transform(c) for c in batch]
        out += parts
    return out


def ranges(code_points) -> list[str]:
    """Runs of consecutive code points, as "first-last" in hex ("41-5A"; "FFFD" alone)."""
    runs: list[list[int]] = []
    for c in sorted(code_points):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return [f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in runs]


def hex_scalars(text: str) -> str:
    return " ".join(f"{ord(c):X}" for c in text)


def bert(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=False):
    return normalizers.BertNormalizer(clean_text=clean_text, handle_chinese_chars=handle_chinese_chars,
                                      strip_accents=strip_accents, lowercase=lowercase)


def normalizer_steps(chars: list[str]) -> dict:
    """Each BertNormalizer flag alone, StripAccents and the Punctuation pre-tokenizer, on every code point."""
    steps = {}
    for name, normalizer in [("clean_text", bert(clean_text=True)), ("handle_chinese_chars", bert(handle_chinese_chars=True)),
                             ("strip_accents", bert(strip_accents=True)), ("lowercase", bert(lowercase=True)),
                             ("strip_accents_normalizer", normalizers.StripAccents())]:
        removed, space, padded, mapped = [], [], [], {}
        for c, out in zip(chars, per_character(normalizer.normalize_str, chars)):
            if out == c:
                continue
            if out == "":
                removed.append(ord(c))
            elif out == " ":
                space.append(ord(c))
            elif out == f" {c} ":
                padded.append(ord(c))
            else:
                mapped[f"{ord(c):X}"] = hex_scalars(out)
        step = {"removed": ranges(removed), "space": ranges(space), "padded": ranges(padded), "mapped": mapped}
        steps[name] = {k: v for k, v in step.items() if v}
    splitter = pre_tokenizers.Punctuation()
    split = []
    for start in range(0, len(chars), 4096):
        batch = [c for c in chars[start:start + 4096] if c != "x"]
        pieces = [p for p, _ in splitter.pre_tokenize_str("x" + "x".join(batch) + "x")]
        split += [ord(p) for p in pieces if len(p) == 1 and p != "x"]
    steps["punctuation"] = {"split": ranges(split)}
    return steps


# Code points where the Unicode tables of `tokenizers` and of Swift were seen to disagree (category
# changed since Unicode 8/9, assigned after it, decomposed only in newer data).
VERSION_EDGES = [0x1734, 0x1171E, 0x1885, 0x1886, 0xA9BD, 0x111C9, 0x166D, 0x1CF2, 0x1CF3, 0x11938, 0x8E2,
                 0x110CD, 0x13430, 0x061C, 0x2066, 0x1BCA0, 0x180E, 0x08D4, 0x1DF6, 0x1F923, 0x1FA70, 0x1FAE8]
TRICKY = [
    "\ufffd", "\ufffdx\ufffd", "tab\there", "cr\rlf\r\nend", "\x0b\x0c\x1c\x1d\x1e\x1f\x85", "\x00nul\x7fdel",
    "zero\u200bwidth\u200djoiner\u200cnon\u2060word", "\ufeffbom", "nb\u00a0sp ideo\u3000sp\u2028ls\u2029ps\u1680ogham",
    "e\u0301 \u00e9 A\u030a \u00c5 a\u0323\u0307 a\u0307\u0323 \u1e0d\u0307", "\u0344 \u0f73 \u0958",
    "\u0130stanbul \u0049\u0307 I\u0131", "\u1e9e stra\u00dfe \ufb01", "\u03a3\u0391\u03a3 \u039f\u0394\u039f\u03a3 \u03c3\u03c2",
    "\u01c5 \u01c4 \u1f88 \u212a \u2126 \u13a0 \uab70", "\u1e00\u0300\u20dd\u20de \u0903\u093e \u0488",
    "\ud55c\uad6d\uc5b4 \u1100\u1161\u11a8", "\u4e00\u9fff\u3400\u4dbf\uf900\ufaff \U00020000 \U0002a6df \U0002a6e0 \U0002a700 \U0002b81f "
    "\U0002b820 \U0002b920 \U0002ceaf \U0002ceb0 \U0002f800 \U0002fa1f \U00030000 \u3000\u3001\u30a2",
    "\ufdd0\ufdef\ufffe\uffff\U0010fffe\U0010ffff \u0378 \U000e0000 \U000e0001 \U000e007f",
    "\ue000\uf8ff\U000f0000\U0010fffd private", "\U0001f469\u200d\U0001f4bb \U0001f3f3\ufe0f\u200d\U0001f308",
]


def category_samples() -> list[str]:
    """Three code points of every general category (first, middle, last in Python's Unicode data), each
    alone between letters, plus the code points where Unicode versions disagree."""
    by_category: dict[str, list[int]] = {}
    for c in range(0x110000):
        if c not in SURROGATES:
            by_category.setdefault(unicodedata.category(chr(c)), []).append(c)
    texts = []
    for category in sorted(by_category):
        members = by_category[category]
        picks = sorted({members[0], members[len(members) // 2], members[-1]})
        texts.append("a" + "a".join(chr(c) for c in picks) + "b " + " ".join(chr(c) + "x" for c in picks))
    texts.append(" ".join("a" + chr(c) + "b" for c in VERSION_EDGES))
    return texts


BERT_CONFIGS = [
    {"clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": False},
    {"clean_text": True, "handle_chinese_chars": True, "strip_accents": True, "lowercase": False},
    {"clean_text": True, "handle_chinese_chars": False, "strip_accents": False, "lowercase": True},
    {"clean_text": False, "handle_chinese_chars": False, "strip_accents": True, "lowercase": True},
]


def make_bert_normalizer(fixtures: Path) -> None:
    chars = all_code_points()
    steps = normalizer_steps(chars)
    texts = category_samples() + TRICKY
    rows = []
    for config in BERT_CONFIGS:
        normalizer = normalizers.BertNormalizer(**config)
        rows += [{"text": t, "config": config, "normalized": normalizer.normalize_str(t)} for t in texts]
    tok = Tokenizer.from_file(str(fixtures / "wordpiece" / "tokenizer.json"))
    cases = []
    for text in texts:
        enc = tok.encode(text, add_special_tokens=False)
        decoded = tok.decode(enc.ids, skip_special_tokens=False)
        cases.append({"tokenizer": "wordpiece", "text": text, "add_special_tokens": False, "ids": enc.ids,
                      "tokens": enc.tokens, "decoded": decoded, "lossless": decoded == text})
    import tokenizers
    out = {"tokenizers_version": tokenizers.__version__, "python_unicode_version": unicodedata.unidata_version,
           "versions": {"unicode_categories": "8.0 (Cc Cf Co Mn P: every code point assigned by 8.0 matches; later ones are unassigned)",
                        "unicode-normalization-alignments": "9.0 (combining marks; NFD has no later decomposition: U+11938 stays)",
                        "char (Rust std)": "current (is_whitespace, to_lowercase agree with Swift everywhere)"},
           "steps": steps, "texts": rows, "cases": cases}
    (fixtures / "bert_normalizer.json").write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(rows)} normalized texts, {len(cases)} cases -> {fixtures / 'bert_normalizer.json'}", file=sys.stderr)


REGEX_CASES = [
    (r"(a+)+$", "aaab aab\naa"), (r"^\w+|\w+$", "one two\nthree four"), (r"(?i:'s|'T)", "it's IT'S it'T"),
    (r"(?<=a)b+", "abb bb cab"), (r"(?<!a)b", "ab cb b"), (r"(?=b)", "abab"), (r"a*", "baaac"), (r"a*?b", "aab b"),
    (r"(?>a+)b", "aaab"), (r"a++", "aaa b aa"), (r"a{2,3}", "aaaaaaa"), (r"a{,2}", "aaa"), (r"a{2}+", "aaaaa"),
    (r"x{1,3}?", "xxx"), (r" ?[^(\s|[.,!?…。，、।۔،])]+", "Hello, world! (ok) [yes] 你好。"), (r"\p{Han}+|\p{Hiragana}+", "日本語のテキスト"),
    (r"[\p{L}&&[^a]]", "abc"), (r"\bis\b", "this is island is"), (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
     "HelloWorld it's THEY'RE café"), (r"\p{N}{1,3}", "1234567"), (r".", "a\nb"), (r"(?m:.)+", "a\nb"), (r"\s+(?!\S)|\s+", "a   b  \n c"),
    (r"[a-c&&b]", "abc"), (r"\x{1F600}|\u00e9", "😀é"), (r"(a|ab)(c|bcd)(d*)", "abcd"), (r"\Aa|b\z|c\Z", "acb\nc\n"),
]


def bomb_specs():
    """Regex and normalizer bombs, with WordLevel over "a"/"b" so ids stay readable."""
    model = {"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}
    split = lambda pattern: {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}
    doubling = lambda k: {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}] * k}
    files = []
    for n in (25, 1000, 100_000):
        files.append((f"(a+)+$ on {n} a + b", {"model": model, "pre_tokenizer": split("(a+)+$")}, "a" * n + "b"))
    files.append(("(a+)+$ on aab", {"model": model, "pre_tokenizer": split("(a+)+$")}, "aab"))
    files.append(("(a|aa)*c on 40 a", {"model": model, "pre_tokenizer": split("(a|aa)*c")}, "a" * 40))
    files.append(("(.*a){20} on 30 a", {"model": model, "pre_tokenizer": split("(.*a){20}")}, "a" * 30))
    files.append(("Replace regex (a*)*$ on 30 a + b", {"model": model, "normalizer": {"type": "Replace", "pattern": {"Regex": "(a*)*$"},
                                                                              "content": "b"}}, "a" * 30 + "b"))
    for k in (3, 10):
        files.append((f"{k} doubling Replace normalizers on 10 a", {"model": model, "normalizer": doubling(k)}, "a" * 10))
    return files


def refusal_specs():
    """What `tokenizers` refuses at load or at encode, next to what it accepts."""
    vocab = {"a": 0, "b": 1, "ab": 2, "##b": 3}
    ws = {"type": "WhitespaceSplit"}
    wordpiece = {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                 "vocab": vocab}
    bpe = {"type": "BPE", "vocab": vocab, "merges": ["a b"], "unk_token": "<unk>"}
    wordlevel = {"type": "WordLevel", "vocab": vocab, "unk_token": "a"}

    def added(entry_id, content="<x>"):
        entry = {"content": content, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        if entry_id is not None:
            entry["id"] = entry_id
        return {"model": wordlevel, "pre_tokenizer": ws, "added_tokens": [entry]}

    def truncated(max_length, stride, **more):
        return {"model": wordlevel, "pre_tokenizer": ws, **more,
                "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": stride}}
    template = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                                         {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [0], "tokens": ["a"]}}}
    return [
        ("WordPiece unk missing, unknown word", {"model": wordpiece, "pre_tokenizer": ws}, "a zz"),
        ("WordPiece unk missing, known words", {"model": wordpiece, "pre_tokenizer": ws}, "a ab"),
        ("WordPiece unk missing, word too long", {"model": {**wordpiece, "max_input_chars_per_word": 2}, "pre_tokenizer": ws}, "a abb"),
        ("BPE unk missing, unknown character", {"model": bpe, "pre_tokenizer": ws}, "a c b"),
        ("BPE unk missing, known characters", {"model": bpe, "pre_tokenizer": ws}, "a b ab"),
        ("BPE unk missing, fused", {"model": {**bpe, "fuse_unk": True}, "pre_tokenizer": ws}, "a cc b"),
        ("BPE unk missing, no byte token either", {"model": {**bpe, "byte_fallback": True}, "pre_tokenizer": ws}, "a c b"),
        ("BPE without unk, unknown character", {"model": {**bpe, "unk_token": None}, "pre_tokenizer": ws}, "a c b"),
        ("WordLevel unk missing, unknown word", {"model": {**wordlevel, "unk_token": "<unk>"}, "pre_tokenizer": ws}, "a c"),
        ("WordLevel unk missing, known words", {"model": {**wordlevel, "unk_token": "<unk>"}, "pre_tokenizer": ws}, "a b"),
        ("added token id past the vocabulary", added(10), "a <x>"),
        ("added token id of another token", added(1), "a <x> b"),
        ("added token id 2^32-1", added(2**32 - 1), "a <x>"),
        ("added token id 2^32", added(2**32), "a <x>"),
        ("added token id negative", added(-1), "a <x>"),
        ("added token id a string", added("3"), "a <x>"),
        ("added token without id", added(None), "a <x>"),
        ("truncation stride below max_length", truncated(4, 3), "a b a b a b"),
        ("truncation stride equal to max_length, text longer", truncated(4, 4), "a b a b a b"),
        ("truncation stride equal to max_length, text fits", truncated(4, 4), "a b a b"),
        ("truncation stride past max_length", truncated(4, 9), "a b a b a"),
        ("truncation stride equal to max_length minus added, special tokens", truncated(4, 3, post_processor=template), "a b a b a b"),
        ("truncation stride below max_length minus added, special tokens", truncated(4, 2, post_processor=template), "a b a b a b"),
    ]


def run_file(name: str, spec: dict, text: str, add_special_tokens: bool) -> dict:
    import time
    row = {"name": name, "spec": {"version": "1.0", **spec}, "text": text, "add_special_tokens": add_special_tokens}
    try:
        tok = Tokenizer.from_str(json.dumps(row["spec"]))
    except BaseException as error:  # noqa: BLE001 - pyo3 panics are BaseException
        return {**row, "outcome": "load_error", "error": str(error).splitlines()[0]}
    start = time.perf_counter()
    try:
        enc = tok.encode(text, add_special_tokens=add_special_tokens)
        row |= {"outcome": "ids", "ids": enc.ids, "tokens": enc.tokens}
    except BaseException as error:  # noqa: BLE001
        row |= {"outcome": "encode_error", "error": str(error).splitlines()[0]}
    return {**row, "seconds": round(time.perf_counter() - start, 1)}


def make_hostile(fixtures: Path) -> None:
    regex = []
    for pattern, text in REGEX_CASES:
        try:
            pieces = [p for p, _ in pre_tokenizers.Split(Regex(pattern), "isolated").pre_tokenize_str(text)]
            regex.append({"pattern": pattern, "text": text, "pieces": pieces})
        except BaseException as error:  # noqa: BLE001
            regex.append({"pattern": pattern, "text": text, "error": str(error).splitlines()[0]})
    files = [run_file(name, spec, text, False) for name, spec, text in bomb_specs()]
    files += [run_file(name, spec, text, "special tokens" in name) for name, spec, text in refusal_specs()]
    for row in files:
        if row.get("seconds", 0) < 1:
            row.pop("seconds", None)  # only the slow ones are worth recording (and stable to rerun)
    out = {"tokenizers_version": __import__("tokenizers").__version__, "regex": regex, "files": files}
    (fixtures / "hostile.json").write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(regex)} regex cases, {len(files)} files -> {fixtures / 'hostile.json'}", file=sys.stderr)


PARTS = {"extra": make_extra, "bert": make_bert_normalizer, "hostile": make_hostile}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(PARTS), help="one part (repeatable); default all")
    args = parser.parse_args()
    fixtures = Path(__file__).resolve().parent.parent / "Fixtures" / "tokenizers"
    for name in args.only or PARTS:
        PARTS[name](fixtures)


if __name__ == "__main__":
    main()
