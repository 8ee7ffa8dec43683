#!/usr/bin/env python
"""Writes Fixtures/models/t5/ and the Unigram tokenizer fixtures (T5 as HookedEncoderDecoder).

    tools/.venv/bin/python tools/make_t5_fixtures.py

- A SentencePiece Unigram model trained with `sentencepiece` (nmt_nfkc normalisation rules, as T5's
  own), turned into `tokenizer.json` by transformers' `T5TokenizerFast` (its Precompiled normaliser
  holds SentencePiece's compiled charsmap), and a byte-fallback variant; what `tokenizers` returns for
  awkward strings and for every code point of a few blocks goes to Fixtures/tokenizers/unigram_cases.json.
- A tiny T5ForConditionalGeneration (transformers, ReLU MLP, tied embeddings; every parameter perturbed)
  saved with save_pretrained and that tokenizer, with:
  hf_logits.safetensors   input_ids, decoder_input_ids, logits (eager, float32)
  hf_logits_padded.safetensors  the same with row 1's input right-padded (attention_mask)
  hf_greedy.json          a prompt's ids and transformers' generate(do_sample=False) continuation
  tl/raw.safetensors      TransformerLens 2.16.1 HookedEncoderDecoder named_parameters()
  tl/raw.cfg.json         its cfg.to_dict()
  tl/raw.logits.safetensors  TL's logits for the same ids (its decoder self-attention is not causal)
  tl/cache.safetensors    TL's run_with_cache for hf_greedy.json's prompt and decoder ids
  measured.json           TL vs Hugging Face (read by fixture_readme.py)
Deterministic: fixed seeds, one thread.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_tokenizers import AWKWARD  # noqa: E402
from make_fixtures import corpus, jsonable, max_dlogprob, perturb, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Fixtures"
CASE = FIXTURES / "models" / "t5"
TOKENIZERS = FIXTURES / "tokenizers"
VOCAB = 200
PROMPT = "The model layer norm weight"
GREEDY_NEW_TOKENS = 8

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def train_unigram(byte_fallback: bool) -> bytes:
    """A SentencePiece Unigram model (what T5's spiece.model is), trained on the fixture corpus."""
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=out, model_type="unigram",
        vocab_size=VOCAB + (256 if byte_fallback else 0), normalization_rule_name="nmt_nfkc",
        num_threads=1, pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>",
        unk_piece="<unk>", hard_vocab_limit=False, byte_fallback=byte_fallback, minloglevel=2)
    return out.getvalue()


def t5_tokenizer(model: bytes, directory: Path) -> transformers.T5TokenizerFast:
    """T5TokenizerFast from a spiece.model, saved to `directory` without the slow model file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spiece.model"
        path.write_bytes(model)
        fast = transformers.T5TokenizerFast(vocab_file=str(path), extra_ids=0)
        directory.mkdir(parents=True, exist_ok=True)
        fast.save_pretrained(str(directory))
    (directory / "spiece.model").unlink(missing_ok=True)
    return transformers.T5TokenizerFast.from_pretrained(str(directory))


def enable_byte_fallback(path: Path) -> None:
    """transformers' T5 conversion keeps the `<0xNN>` pieces but writes byte_fallback false; switch it on
    (and decode the bytes) as Llama-style Unigram files have it, so the fallback path is exercised."""
    spec = json.loads(path.read_text())
    spec["model"]["byte_fallback"] = True
    spec["decoder"] = {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, spec["decoder"]]}
    Tokenizer.from_str(json.dumps(spec)).save(str(path))


def write_legacy_layout(source: Path, target: Path) -> None:
    """The layout of the Hub's own t5-small tokenizer.json (older transformers): the Precompiled normaliser
    alone, WhitespaceSplit then Metaspace with `add_prefix_space`, and its Metaspace decoder."""
    spec = json.loads(source.read_text())
    spec["normalizer"] = spec["normalizer"]["normalizers"][0]
    metaspace = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}
    spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, metaspace]}
    spec["decoder"] = metaspace
    target.parent.mkdir(parents=True, exist_ok=True)
    Tokenizer.from_str(json.dumps(spec)).save(str(target))


def code_point_blocks() -> list[str]:
    """Strings of consecutive code points from blocks nmt_nfkc rewrites (and some it keeps)."""
    ranges = [(0x00, 0x250), (0x2000, 0x2100), (0x2150, 0x2500), (0x3000, 0x3100), (0xFF00, 0xFFF0),
              (0x1D400, 0x1D480), (0xAC00, 0xAC40), (0x0300, 0x0370), (0x0E00, 0x0E60)]
    blocks = []
    for lo, hi in ranges:
        for start in range(lo, hi, 32):
            chars = [chr(c) for c in range(start, min(start + 32, hi)) if not 0xD800 <= c <= 0xDFFF]
            blocks.append("|".join(chars))
    return blocks


def case(tok: Tokenizer, name: str, text: str, special: bool) -> dict:
    enc = tok.encode(text, add_special_tokens=special)
    decoded = tok.decode(enc.ids, skip_special_tokens=False)
    return {"tokenizer": name, "text": text, "add_special_tokens": special, "ids": enc.ids, "tokens": enc.tokens,
            "decoded": decoded, "lossless": decoded == text}


def tokenizer_cases(names: dict[str, Path]) -> list[dict]:
    texts = AWKWARD + ["Hello  world ｈｅｌｌｏ ① ﬁ ㍿", "</s>The model</s> <unk>", "  ", "▁ ▁▁x"]
    cases = []
    for name, directory in names.items():
        tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        for text in texts:
            for special in (False, True):
                cases.append(case(tok, name, text, special))
        for text in code_point_blocks():
            cases.append(case(tok, name, text, False) | {"normalized": tok.normalizer.normalize_str(text)})
    return cases


def t5_config() -> transformers.T5Config:
    return transformers.T5Config(
        vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
        relative_attention_num_buckets=8, relative_attention_max_distance=20, feed_forward_proj="relu",
        tie_word_embeddings=True, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
        dropout_rate=0.0, layer_norm_epsilon=1e-6, attn_implementation="eager")


def seeded_ids(seed: int, shape: tuple[int, int]) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(3, VOCAB, shape, generator=g)


def tl_model(directory: Path, hf_model):
    """TransformerLens 2.16.1's from_pretrained for a local directory, given the model."""
    from transformer_lens import HookedEncoderDecoder
    cwd = os.getcwd()
    os.chdir(directory.parent)  # model_name / tokenizer_name: the case name
    try:
        model = HookedEncoderDecoder.from_pretrained(directory.name, hf_model=hf_model, device="cpu")
    finally:
        os.chdir(cwd)
    return model.eval()


def make_model(tokenizer: transformers.T5TokenizerFast) -> dict:
    torch.manual_seed(0)
    model = transformers.T5ForConditionalGeneration(t5_config()).eval()
    perturb(model, 1)
    model.save_pretrained(str(CASE), safe_serialization=True)
    model = transformers.T5ForConditionalGeneration.from_pretrained(str(CASE), attn_implementation="eager").eval()

    input_ids = seeded_ids(2, (2, 12))
    decoder_input_ids = torch.cat([torch.zeros(2, 1, dtype=torch.long), seeded_ids(3, (2, 7))], dim=1)
    with torch.no_grad():
        hf = model(input_ids=input_ids, decoder_input_ids=decoder_input_ids).logits.float()
    save_file({"input_ids": input_ids, "decoder_input_ids": decoder_input_ids, "logits": hf.contiguous()},
              str(CASE / "hf_logits.safetensors"))

    # Right padding: the encoder's attention_mask hides the padded positions.
    mask = torch.ones_like(input_ids)
    mask[1, 8:] = 0
    padded = input_ids.masked_fill(mask == 0, 0)
    with torch.no_grad():
        hf_padded = model(input_ids=padded, attention_mask=mask, decoder_input_ids=decoder_input_ids).logits.float()
    save_file({"input_ids": padded, "attention_mask": mask, "decoder_input_ids": decoder_input_ids,
               "logits": hf_padded.contiguous()}, str(CASE / "hf_logits_padded.safetensors"))

    prompt_ids = tokenizer(PROMPT).input_ids
    with torch.no_grad():
        generated = model.generate(torch.tensor([prompt_ids]), do_sample=False, max_new_tokens=GREEDY_NEW_TOKENS,
                                   min_new_tokens=GREEDY_NEW_TOKENS)
    new_ids = generated[0].tolist()
    write_json(CASE / "hf_greedy.json", {"prompt": PROMPT, "input_ids": prompt_ids, "max_new_tokens": GREEDY_NEW_TOKENS,
                                         "decoder_ids": new_ids})

    tl = tl_model(CASE, model)
    tl_dir = CASE / "tl"
    tl_dir.mkdir(exist_ok=True)
    save_file({k: v.detach().float().contiguous() for k, v in tl.named_parameters()}, str(tl_dir / "raw.safetensors"))
    write_json(tl_dir / "raw.cfg.json", jsonable(tl.cfg.to_dict()))
    with torch.no_grad():
        tl_logits = tl(input_ids, decoder_input=decoder_input_ids).float()
        _, cache = tl.run_with_cache(torch.tensor([prompt_ids]), decoder_input=torch.tensor([new_ids[:4]]))
    save_file({"input_ids": input_ids, "decoder_input_ids": decoder_input_ids, "logits": tl_logits.contiguous()},
              str(tl_dir / "raw.logits.safetensors"))
    save_file({k: v.detach().float().clone().contiguous() for k, v in cache.items()}, str(tl_dir / "cache.safetensors"),
              metadata={"inputs": json.dumps({"input_ids": prompt_ids, "decoder_input_ids": new_ids[:4]})})
    return {"tl_vs_hf_max_abs_dlogprob": max_dlogprob(tl_logits, hf),
            "tl_vs_hf_last_position_max_abs_dlogprob": max_dlogprob(tl_logits[:, -1:], hf[:, -1:]),
            "tl_vs_hf_first_position_max_abs_dlogprob": max_dlogprob(tl_logits[:, :1], hf[:, :1])}


def main() -> int:
    if CASE.exists():
        shutil.rmtree(CASE)
    unigram = TOKENIZERS / "unigram"
    fallback = TOKENIZERS / "unigram-bytefallback"
    tokenizer = t5_tokenizer(train_unigram(byte_fallback=False), unigram)
    t5_tokenizer(train_unigram(byte_fallback=True), fallback)
    enable_byte_fallback(fallback / "tokenizer.json")
    legacy = TOKENIZERS / "unigram-legacy"
    write_legacy_layout(unigram / "tokenizer.json", legacy / "tokenizer.json")
    for extra in ("tokenizer_config.json", "special_tokens_map.json"):
        for directory in (unigram, fallback):
            (directory / extra).unlink(missing_ok=True)
    write_json(TOKENIZERS / "unigram_cases.json", tokenizer_cases({"unigram": unigram, "unigram-bytefallback": fallback,
                                                                    "unigram-legacy": legacy}))
    CASE.mkdir(parents=True)
    tokenizer.save_pretrained(str(CASE))
    (CASE / "spiece.model").unlink(missing_ok=True)
    measured = make_model(tokenizer)
    measured.update({"versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                                  "transformer_lens": "2.16.1"}})
    write_json(CASE / "measured.json", measured)
    print("t5:", measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
