#!/usr/bin/env python
"""Write a reference dump for `tlconvert verify` from Hugging Face transformers.

    dump_hf_logits.py MODEL_DIR --text "Hello world" [--text "..."] -o ref.safetensors
    dump_hf_logits.py MODEL_DIR --input-ids "1,2,3;4,5,6" -o ref.npz

The model is loaded with AutoModelForCausalLM in float32 with eager attention (the way
tlconvert computes), run once on the batch, and the file gets `input_ids` (int64
[batch, seq]), `logits` (float32 [batch, seq, d_vocab]) and, when texts of different
lengths are right-padded, `attention_mask` (int64). The container follows the output's
extension: .safetensors, .npz (numpy, deflated), .pt/.bin (torch.save of a dict).
An encoder-decoder (T5) is loaded with AutoModelForSeq2SeqLM; its dump also holds
`decoder_input_ids` (--decoder-input-ids, or the inputs shifted right after
decoder_start_token_id) and its logits are the decoder's positions.
Texts are tokenized with the model directory's tokenizer, without special tokens unless
--add-special-tokens is given (or --prepend-bos, which puts the tokenizer's BOS first).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def parse_ids(spec: str) -> list[list[int]]:
    rows = [r.strip() for r in spec.split(";") if r.strip()]
    if not rows:
        raise ValueError("--input-ids is empty")
    out = [[int(x) for x in r.replace(" ", "").split(",") if x != ""] for r in rows]
    if any(len(r) == 0 for r in out):
        raise ValueError("--input-ids has an empty row")
    if len({len(r) for r in out}) != 1:
        raise ValueError("--input-ids rows must all have the same length")
    return out


def tokenize(model_dir: str, texts: list[str], add_special: bool, prepend_bos: bool):
    import torch
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    rows = []
    for text in texts:
        ids = tok.encode(text, add_special_tokens=add_special)
        if prepend_bos:
            if tok.bos_token_id is None:
                raise ValueError("the tokenizer has no BOS token (--prepend-bos)")
            if not ids or ids[0] != tok.bos_token_id:
                ids = [tok.bos_token_id] + ids
        if not ids:
            raise ValueError(f"text {text!r} has no tokens")
        rows.append(ids)
    width = max(len(r) for r in rows)
    pad = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    input_ids = torch.full((len(rows), width), pad, dtype=torch.int64)
    mask = torch.zeros((len(rows), width), dtype=torch.int64)
    for i, r in enumerate(rows):
        input_ids[i, : len(r)] = torch.tensor(r, dtype=torch.int64)
        mask[i, : len(r)] = 1
    return input_ids, (mask if any(len(r) != width for r in rows) else None)


def save(path: Path, tensors: dict) -> None:
    import torch

    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp-dump")
    if suffix == ".safetensors":
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata={"producer": "dump_hf_logits.py"})
    elif suffix == ".npz":
        import numpy as np
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **{k: v.numpy() for k, v in tensors.items()})
    elif suffix in (".pt", ".bin", ".pth"):
        torch.save({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
    else:
        raise ValueError(f"unknown output extension {suffix!r} (use .safetensors, .npz, .pt or .bin)")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", help="a Hugging Face model directory (config.json + weights [+ tokenizer])")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", action="append", help="a prompt (repeat for a batch)")
    group.add_argument("--input-ids", help='token ids, rows separated by ";" (e.g. "1,2,3;4,5,6")')
    parser.add_argument("-o", "--output", required=True, help="output file: .safetensors, .npz, .pt or .bin")
    parser.add_argument("--add-special-tokens", action="store_true", help="let the tokenizer add its special tokens")
    parser.add_argument("--prepend-bos", action="store_true", help="put the tokenizer's BOS token first")
    parser.add_argument("--decoder-input-ids",
                        help='encoder-decoder (T5) only: decoder token ids, rows separated by ";" (default: '
                             'decoder_start_token_id then the input ids shifted right, as labels would give)')
    args = parser.parse_args(argv)

    output = Path(args.output)
    if output.suffix.lower() not in (".safetensors", ".npz", ".pt", ".bin", ".pth"):
        parser.error(f"unknown output extension {output.suffix!r} (use .safetensors, .npz, .pt or .bin)")
    if not (Path(args.model_dir) / "config.json").is_file():
        parser.error(f"{args.model_dir}: no config.json")

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    try:
        if args.input_ids is not None:
            input_ids, mask = torch.tensor(parse_ids(args.input_ids), dtype=torch.int64), None
        else:
            input_ids, mask = tokenize(args.model_dir, args.text, args.add_special_tokens, args.prepend_bos)
    except ValueError as e:
        parser.error(str(e))

    seq2seq = AutoConfig.from_pretrained(args.model_dir).is_encoder_decoder
    if args.decoder_input_ids is not None and not seq2seq:
        parser.error("--decoder-input-ids needs an encoder-decoder model")
    loader = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    model = loader.from_pretrained(args.model_dir, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    vocab = model.get_input_embeddings().weight.shape[0]
    if int(input_ids.max()) >= vocab or int(input_ids.min()) < 0:
        parser.error(f"token id out of range for the model's vocabulary of {vocab}")
    extra = {}
    if seq2seq:
        if args.decoder_input_ids is not None:
            try:
                decoder = torch.tensor(parse_ids(args.decoder_input_ids), dtype=torch.int64)
            except ValueError as e:
                parser.error(str(e))
            if decoder.shape[0] != input_ids.shape[0]:
                parser.error(f"--decoder-input-ids has {decoder.shape[0]} rows, the inputs {input_ids.shape[0]}")
            if int(decoder.max()) >= vocab or int(decoder.min()) < 0:
                parser.error(f"decoder token id out of range for the model's vocabulary of {vocab}")
        else:
            decoder = model._shift_right(input_ids)
        extra["decoder_input_ids"] = decoder
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=mask, **extra).logits.to(torch.float32)

    tensors = {"input_ids": input_ids, **extra, "logits": logits}
    if mask is not None:
        tensors["attention_mask"] = mask
    save(output, tensors)
    print(f"{output}: input_ids {list(input_ids.shape)}, logits {list(logits.shape)}"
          + (", attention_mask" if mask is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
