#!/usr/bin/env python
"""Write a reference dump for `tlconvert verify` from a BERT checkpoint with transformers.

    dump_bert_logits.py MODEL_DIR --text "the [MASK] sat" [--text ...] [--pair "it was tired" ...] -o ref.safetensors
    dump_bert_logits.py MODEL_DIR --text "a sentence" --hidden-states -o ref.npz

Texts are tokenized as HookedEncoder's `to_tokens` does (the tokenizer's template, `[CLS] … [SEP]`;
with `--pair`, one per `--text`, `[CLS] A [SEP] B [SEP]` with type ids 0/1), right-padded. The file
gets `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, seq]) and either `logits`
(float32 [batch, seq, d_vocab], `BertForMaskedLM`, eager attention) or, for a bare `BertModel`
(or with --hidden-states), `hidden_states` (float32 [batch, seq, d_model], the last hidden state).
The container follows the output's extension: .safetensors, .npz, .pt/.bin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dump_hf_logits import save  # noqa: E402  (same containers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", help="a BERT model directory (config.json + weights + tokenizer)")
    parser.add_argument("--text", action="append", required=True, help="a sentence (repeat for a batch)")
    parser.add_argument("--pair", action="append", help="a second sentence for each --text (next-sentence input)")
    parser.add_argument("--hidden-states", action="store_true",
                        help="dump the final hidden state instead of the MLM logits (automatic for a BertModel)")
    parser.add_argument("-o", "--output", required=True, help="output file: .safetensors, .npz, .pt or .bin")
    args = parser.parse_args(argv)

    output = Path(args.output)
    if output.suffix.lower() not in (".safetensors", ".npz", ".pt", ".bin", ".pth"):
        parser.error(f"unknown output extension {output.suffix!r} (use .safetensors, .npz, .pt or .bin)")
    config_path = Path(args.model_dir) / "config.json"
    if not config_path.is_file():
        parser.error(f"{args.model_dir}: no config.json")
    if args.pair is not None and len(args.pair) != len(args.text):
        parser.error(f"{len(args.pair)} --pair for {len(args.text)} --text: give one per text")
    architectures = json.loads(config_path.read_text()).get("architectures") or []
    hidden = args.hidden_states or architectures[:1] == ["BertModel"]

    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, BertModel

    tok = AutoTokenizer.from_pretrained(args.model_dir)
    enc = tok(args.text, args.pair, padding=True, return_tensors="pt")
    batch = {"input_ids": enc["input_ids"].to(torch.int64), "attention_mask": enc["attention_mask"].to(torch.int64),
             "token_type_ids": enc["token_type_ids"].to(torch.int64)}
    cls = BertModel if hidden else BertForMaskedLM
    model = cls.from_pretrained(args.model_dir, torch_dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(**batch)
    if hidden:
        batch["hidden_states"] = out.last_hidden_state.to(torch.float32).contiguous()
    else:
        batch["logits"] = out.logits.to(torch.float32).contiguous()
    save(output, batch)
    print(f"{output}: " + ", ".join(f"{k} {list(v.shape)}" for k, v in batch.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
