"""Fixtures/caches/<case>/: TransformerLens 2.16.1 `run_with_cache` activations for one prompt.

raw.safetensors and defaults.safetensors hold every entry of the ActivationCache (batch dim
kept, float32) of the raw and the from_pretrained-defaults model; prompt.json records the text,
the input_ids TL ran on (TL's to_tokens, which prepends BOS), the issue-9 hook names, any TL
config correction applied, and how far the cached model's logits are from Hugging Face; for
`tlconvert run`, TL's to_str_tokens of the prompt, the top TOP_K next tokens of each model
(ids, softmax probabilities and logits at the last position) and what utils.test_prompt prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformer_lens import utils as tl_utils

PROMPT = "The model layer norm 42 naïve café 🙂"
TOP_K = 10
# The answer test_prompt is asked about (its printout is recorded; only the prompt and top-k lines matter).
ANSWER = " layer"

# The hook names issue 9 asks for ({l} = every layer); the files hold TL's whole cache.
ISSUE9_HOOKS = [
    "hook_embed", "hook_pos_embed",
    "blocks.{l}.hook_resid_pre", "blocks.{l}.hook_resid_mid", "blocks.{l}.hook_resid_post",
    "blocks.{l}.ln1.hook_scale",
    "blocks.{l}.attn.hook_q", "blocks.{l}.attn.hook_k", "blocks.{l}.attn.hook_v", "blocks.{l}.attn.hook_z",
    "blocks.{l}.attn.hook_attn_scores", "blocks.{l}.attn.hook_pattern",
    "blocks.{l}.hook_attn_out", "blocks.{l}.mlp.hook_pre", "blocks.{l}.mlp.hook_post", "blocks.{l}.hook_mlp_out",
    "ln_final.hook_scale", "ln_final.hook_normalized",
]


def make_caches(fixtures: Path, cases, tl_model, load_hf, max_dlogprob) -> None:
    for case in cases:
        out = fixtures / "caches" / case.name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        hf_model = load_hf(fixtures / "models" / case.name)
        overrides = case.tl_wrong_cfg or {}
        info = {"text": PROMPT, "issue9_hooks": ISSUE9_HOOKS, "tl_cfg_overrides": overrides,
                "tl_vs_hf_max_abs_dlogprob": {}}
        cwd = os.getcwd()
        os.chdir(fixtures / "models")
        try:
            for proc in ("raw", "defaults"):
                model = tl_model(case, hf_model, proc, overrides)
                input_ids = model.to_tokens(PROMPT)  # prepends BOS (default_prepend_bos)
                with torch.no_grad():
                    logits, cache = model.run_with_cache(input_ids)
                    hf = hf_model(input_ids=input_ids).logits
                tensors = {name: t.detach().to(torch.float32).contiguous().clone()
                           for name, t in sorted(cache.cache_dict.items())}
                save_file(tensors, str(out / f"{proc}.safetensors"))
                info["input_ids"] = input_ids[0].tolist()
                info["prepend_bos"] = True
                info["tl_vs_hf_max_abs_dlogprob"][proc] = max_dlogprob(logits, hf)
                last = logits[0, -1].to(torch.float32)
                top = last.softmax(dim=-1).topk(TOP_K)
                info.setdefault("top_k", {})[proc] = {"ids": top.indices.tolist(), "probs": top.values.tolist(),
                                                     "logits": last[top.indices].tolist()}
                info["str_tokens"] = model.to_str_tokens(PROMPT)
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed), torch.no_grad():
                    tl_utils.test_prompt(PROMPT, ANSWER, model, top_k=TOP_K)
                info.setdefault("test_prompt_output", {})[proc] = printed.getvalue()
                missing = [h for h in ISSUE9_HOOKS
                           if not any(k == h.replace("{l}", str(l)) for k in tensors for l in range(model.cfg.n_layers))]
                info.setdefault("hooks_absent", {})[proc] = missing
        finally:
            os.chdir(cwd)
        (out / "prompt.json").write_text(json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
