#!/usr/bin/env python3
"""Load a directory written by `tlconvert convert` into TransformerLens.

    from load_converted import load_converted
    model = load_converted("tl-models/gpt2")                        # a HookedTransformer
    model = load_converted("tl-models/gpt2", HookedSAETransformer)  # or any subclass (SAELens)

Needs torch, safetensors, transformer_lens (2.x or 3.x) and, for the tokenizer, transformers.
Copy this file into your project or put tools/ on PYTHONPATH; it has no other dependency.

What it does, and why:
- config.json holds `HookedTransformerConfig` fields with `dtype` as a string ("float32"), so that
  the file stays JSON; the string is turned back into a torch dtype before the model is built.
  Keys the installed TransformerLens does not define are dropped (with a warning), so a config
  written for 2.16.1 loads into a later release, and one written with 3.x's fields (GPT-OSS's
  `use_attention_sinks`, `use_yarn_rope`, ...) into an earlier one, which then computes without them.
- model.safetensors holds parameters only: TransformerLens's buffers (causal masks, rotary
  tables) are rebuilt by the model itself. The state dict is loaded with `strict=False`, and then
  anything missing that is not a buffer, or anything unexpected, is an error — so nothing is
  silently left at its initial value. The one exception: the tensors of a dropped config feature
  (`attn.sinks` when this TransformerLens has no `use_attention_sinks`) are left out, with the warning.
- The tokenizer is loaded from the converted directory (it holds the source's tokenizer files), so
  the model does not depend on where it was converted from; `tokenizer_prepends_bos` is then
  recomputed by TransformerLens as when it loads any tokenizer.
- tlconvert.json records how the weights were processed; `processing(directory)` returns the
  flags that took effect, to pass on (SAELens: `model_from_pretrained_kwargs`).

TransformerLens 3.x marks `HookedTransformer` as deprecated in favour of its `TransformerBridge`
and warns when one is built; the class still works and computes the same logits.

Run as a script to check a directory: `python tools/load_converted.py DIR [--prompt TEXT]`.
"""
import dataclasses
import json
import sys
import warnings
from pathlib import Path

import torch
from safetensors.torch import load_file

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
# Config fields of later TransformerLens releases that bring parameters: their tensors' name suffix.
FEATURE_TENSORS = {"use_attention_sinks": ".attn.sinks"}


def _dropped_fields(directory: Path) -> list:
    from transformer_lens import HookedTransformerConfig

    raw = json.loads((directory / "config.json").read_text())
    known = {field.name for field in dataclasses.fields(HookedTransformerConfig)}
    return sorted(key for key, value in raw.items() if key not in known and value not in (None, False))


def _config(directory: Path):
    from transformer_lens import HookedTransformerConfig

    raw = json.loads((directory / "config.json").read_text())
    known = {field.name for field in dataclasses.fields(HookedTransformerConfig)}
    dropped = sorted(set(raw) - known)
    if dropped:
        warnings.warn(f"{directory}/config.json: this TransformerLens has no field(s) {', '.join(dropped)}; ignored")
    fields = {key: value for key, value in raw.items() if key in known}
    if isinstance(fields.get("dtype"), str):
        fields["dtype"] = getattr(torch, fields["dtype"])
    # The converted directory names no tokenizer to fetch: it is loaded from the directory itself.
    fields["tokenizer_name"] = None
    return HookedTransformerConfig(**fields)


def _tokenizer(directory: Path):
    if not any((directory / name).exists() for name in TOKENIZER_FILES):
        return None
    from transformers import AutoTokenizer

    if not (directory / "tokenizer.json").exists():
        tokenizer_config = directory / "tokenizer_config.json"
        remote = tokenizer_config.exists() and "AutoTokenizer" in json.loads(tokenizer_config.read_text()).get("auto_map", {})
        if remote:  # a remote-code tokenizer (Qwen v1's QWenTokenizer) whose code is not in the directory
            warnings.warn(f"{directory}: the tokenizer is remote code; the model is built without one (pass tokens)")
            return None
    # TransformerLens loads tokenizers with add_bos_token=True (it decides about BOS itself).
    return AutoTokenizer.from_pretrained(str(directory), add_bos_token=True)


def processing(directory) -> dict:
    """The processing flags that took effect (tlconvert.json), by TransformerLens's argument names."""
    record = json.loads((Path(directory) / "tlconvert.json").read_text())
    return dict(record["processing"]["applied"])


ENCODER_ARCHITECTURES = ("BertForMaskedLM", "BertForPreTraining", "BertModel")


def load_converted(directory, model_class=None, device=None):
    """A `model_class` (default `HookedTransformer`, `HookedEncoder` for BERT) with the converted
    weights and tokenizer (a bare BertModel's missing heads are left as they are).

    Raises ValueError when the safetensors file lacks a parameter of the model or holds a tensor
    the model does not have (only buffers may be absent).
    """
    directory = Path(directory)
    config = _config(directory)
    if model_class is None:
        # BERT converts to HookedEncoder (its config names the BERT architecture).
        if config.original_architecture in ENCODER_ARCHITECTURES:
            from transformer_lens import HookedEncoder as model_class
        else:
            from transformer_lens import HookedTransformer as model_class
    if device is not None:
        config.device = device
    model = model_class(config, tokenizer=_tokenizer(directory), move_to_device=device is not None)
    state = load_file(str(directory / "model.safetensors"), device=str(device or "cpu"))
    result = model.load_state_dict(state, strict=False)
    buffers = {name for name, _ in model.named_buffers()}
    missing = [name for name in result.missing_keys if name not in buffers]
    if config.original_architecture == "BertModel":  # converted without heads: those stay unloaded
        missing = [name for name in missing if not name.startswith(("mlm_head.", "unembed.", "nsp_head.", "pooler."))]
    ignorable = tuple(FEATURE_TENSORS[f] for f in _dropped_fields(directory) if f in FEATURE_TENSORS)
    unexpected = [name for name in result.unexpected_keys if not (ignorable and name.endswith(ignorable))]
    if missing or unexpected:
        raise ValueError(f"{directory}/model.safetensors does not fit {model_class.__name__}: "
                         f"missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.eval()
    return model


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="Load a tlconvert output into TransformerLens and run a prompt.")
    parser.add_argument("directory")
    parser.add_argument("--prompt", default="The quick brown fox")
    args = parser.parse_args(argv)
    model = load_converted(args.directory)
    with torch.no_grad():
        logits = model(args.prompt)
    top = torch.topk(logits[0, -1], 5)
    tokens = [model.tokenizer.decode([int(i)]) for i in top.indices] if model.tokenizer else top.indices.tolist()
    print(f"{type(model).__name__} from {args.directory}: top-5 next tokens {tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
