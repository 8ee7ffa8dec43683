#!/usr/bin/env python3
"""Hand check (reference stack, not CI): does a `tlconvert convert` directory load into
TransformerLens 2.16.1 the way CONTRACT.md shows, and compute what TransformerLens's
own load of the Hugging Face checkpoint computes?

    tools/.venv/bin/python tools/check_tl_load.py CONVERTED_DIR HF_DIR

Loads CONVERTED_DIR with `tools/load_converted.py` (config.json → HookedTransformerConfig,
model.safetensors strict about everything but buffers, the directory's own tokenizer) and
compares its logits with TransformerLens's own load of HF_DIR (what `from_pretrained` does for a
local directory, with the processing flags tlconvert.json records as applied) and with Hugging
Face's logits. Prints max |Δ logits| and max |Δ log-prob| against Hugging Face.
TransformerLens cannot load some checkpoints from a path itself (Gemma; GPT-2 configs
without `n_ctx`); for those only the Hugging Face comparison is printed.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_converted import load_converted, processing  # noqa: E402


def tl_own_model(hf_dir: Path, hf_model, flags: dict):
    """HookedTransformer.from_pretrained for a local directory (it refuses paths itself)."""
    from transformer_lens import HookedTransformer, loading

    cfg = loading.get_pretrained_model_config(str(hf_dir), hf_cfg=hf_model.config.to_dict(),
                                              fold_ln=flags["fold_ln"], device="cpu", dtype=torch.float32)
    flags = dict(flags)
    if flags["center_unembed"] and cfg.output_logits_soft_cap > 0.0:
        flags["center_unembed"] = False
    state_dict = loading.get_pretrained_state_dict(str(hf_dir), cfg, hf_model, dtype=torch.float32)
    model = HookedTransformer(cfg, move_to_device=False)
    model.load_and_process_state_dict(state_dict, **flags)
    model.eval()
    return model


def input_ids(hf_dir: Path, vocab: int) -> torch.Tensor:
    reference = hf_dir / "hf_logits.safetensors"
    if reference.exists():
        return load_file(str(reference))["input_ids"]
    return torch.randint(0, vocab, (2, 16), generator=torch.Generator().manual_seed(0))


def centred(x: torch.Tensor) -> torch.Tensor:
    return x - x.mean(-1, keepdim=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("converted", type=Path)
    parser.add_argument("hf_dir", type=Path)
    args = parser.parse_args()

    import transformers

    notes = []
    model = load_converted(args.converted)
    hf_model = transformers.AutoModelForCausalLM.from_pretrained(
        str(args.hf_dir), torch_dtype=torch.float32, attn_implementation="eager").eval()
    ids = input_ids(args.hf_dir, model.cfg.d_vocab)
    flags = processing(args.converted)
    with torch.no_grad():
        ours = model(ids).float()
        hf = hf_model(input_ids=ids).logits.float()
        try:
            tl = tl_own_model(args.hf_dir.resolve(), hf_model, flags)(ids).float()
        except Exception as error:  # TL's own loader rejects some configs (Gemma by path, GPT-2 without n_ctx)
            tl = None
            notes.append(f"TransformerLens cannot load this path itself ({type(error).__name__}: {error})")
    report = {"model": str(args.converted), "notes": notes}
    if tl is not None:
        report["max_abs_diff_vs_tl"] = float((ours - tl).abs().max())
    report["max_abs_diff_vs_hf"] = float((ours - hf).abs().max())
    report["max_abs_diff_vs_hf_centred"] = float((centred(ours) - centred(hf)).abs().max())
    report["max_abs_dlogprob_vs_hf"] = float((ours.log_softmax(-1) - hf.log_softmax(-1)).abs().max())
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
