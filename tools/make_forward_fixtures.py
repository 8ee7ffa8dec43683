#!/usr/bin/env python3
"""Writes Fixtures/forward/<case>/: tiny random TransformerLens 2.16.1 models, one per
combination of forward-pass feature flags, with TransformerLens's own logits and
run_with_cache activations. They test tlconvert's forward pass flag by flag (alibi,
soft-caps, local windows, QK norm, MoE, NTK-by-parts rotary, SoLU, parallel blocks, …)
independently of any Hugging Face family.

    tools/.venv/bin/python tools/make_forward_fixtures.py

Each case: config.json (cfg.to_dict()), model.safetensors (state_dict() without
buffers), reference.safetensors (input_ids I64 [2, 12], logits F32), cache.safetensors
(every run_with_cache activation, F32).

Two more cases, gem-tl and gem2-tl, hold Fixtures/models/gem and gem2 (Hugging Face
Gemma and Gemma 2) in TransformerLens's layout as TransformerLens's own convert_gemma_weights
writes it, with a HookedTransformerConfig built from the Hugging Face config the way
TransformerLens's hard-coded Gemma configs are (TransformerLens cannot load a local Gemma
by path); their reference.safetensors holds TransformerLens's logits for the fixture's
input_ids, and tests also compare them with the Hugging Face logits.

It also writes Fixtures/dumps/: the gpt2 case's Hugging Face reference dump
(Fixtures/models/gpt2/hf_logits.safetensors) re-saved by numpy and torch in the other
containers `verify --reference` reads (.npz deflated and stored, torch.save .pt), with
int32/int64 ids and float32/float16/bfloat16 logits.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformer_lens import HookedTransformer, HookedTransformerConfig

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "forward")
BUFFERS = ("mask", "IGNORE", "rotary_sin", "rotary_cos")

BASE = dict(n_layers=2, d_model=32, n_ctx=32, d_head=8, n_heads=4, d_vocab=101, d_mlp=48,
            act_fn="gelu_new", normalization_type="LN")
CASES = {
    "ln-learned": dict(),
    "rms-rotary-gqa": dict(normalization_type="RMS", positional_embedding_type="rotary", gated_mlp=True,
                           act_fn="silu", n_key_value_heads=2, rotary_base=500000.0, final_rms=True),
    "rotary-adjacent-parallel": dict(positional_embedding_type="rotary", rotary_dim=4, rotary_adjacent_pairs=True,
                                     parallel_attn_mlp=True),
    "local-unscaled": dict(use_attn_scale=False, use_local_attn=True, attn_types=["global", "local"],
                           window_size=5, act_fn="gelu"),
    "alibi-embed-ln": dict(positional_embedding_type="alibi", post_embedding_ln=True, act_fn="gelu_fast",
                           n_heads=8, d_head=4, d_model=32),
    "softcaps-post-norms": dict(normalization_type="RMS", positional_embedding_type="rotary", gated_mlp=True,
                                act_fn="gelu_pytorch_tanh", n_key_value_heads=2,
                                use_normalization_before_and_after=True, attn_scores_soft_cap=5.0,
                                output_logits_soft_cap=3.0, use_local_attn=True, attn_types=["local", "global"],
                                window_size=4, attn_scale=3.0),
    "qk-norm": dict(normalization_type="RMS", positional_embedding_type="rotary", gated_mlp=True, act_fn="silu",
                    n_key_value_heads=2, use_qk_norm=True, final_rms=True),
    "moe": dict(normalization_type="RMS", positional_embedding_type="rotary", gated_mlp=True, act_fn="silu",
                n_key_value_heads=2, num_experts=4, experts_per_token=2, final_rms=True),
    "inverse-layer-scale-lnpre": dict(scale_attn_by_inverse_layer_idx=True, act_fn="relu",
                                      normalization_type="LNPre"),
    "ntk-rmspre": dict(normalization_type="RMSPre", positional_embedding_type="rotary", use_NTK_by_parts_rope=True,
                       NTK_original_ctx_len=16, NTK_by_parts_factor=4.0, rotary_base=100.0, gated_mlp=True,
                       act_fn="silu", final_rms=True),
    "solu-ln": dict(act_fn="solu_ln"),
    "attn-only": dict(attn_only=True, d_mlp=None),
}


def save_tl_model(out, model, cfg, tokens, logits, cache):
    """One TransformerLens model as a canonical directory (parameters, cfg as JSON) plus its
    logits and run_with_cache activations for `tokens`."""
    os.makedirs(out, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith(BUFFERS)}
    save_file(state, os.path.join(out, "model.safetensors"))
    config = cfg.to_dict()
    config["dtype"] = "float32"
    config["device"] = None
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True, default=str)
    save_file({"input_ids": tokens.to(torch.int64).contiguous(), "logits": logits.contiguous()},
              os.path.join(out, "reference.safetensors"))
    save_file({k: v.detach().clone().to(torch.float32).contiguous() for k, v in cache.items()},
              os.path.join(out, "cache.safetensors"))


def main():
    torch.manual_seed(0)
    for name, overrides in CASES.items():
        cfg = HookedTransformerConfig(**{**BASE, **overrides})
        model = HookedTransformer(cfg)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if pname.endswith(".w"):
                    p.copy_(1 + 0.2 * torch.randn_like(p))
                else:
                    p.copy_((0.3 if p.ndim > 1 else 0.1) * torch.randn_like(p))
        tokens = torch.randint(0, cfg.d_vocab, (2, 12))
        logits, cache = model.run_with_cache(tokens)
        save_tl_model(os.path.join(ROOT, name), model, cfg, tokens, logits, cache)
        print(name, file=sys.stderr)


def gemma_cases():
    from transformers import AutoModelForCausalLM
    from transformer_lens.pretrained.weight_conversions.gemma import convert_gemma_weights

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")
    for case in ["gem", "gem2"]:
        hf = AutoModelForCausalLM.from_pretrained(os.path.join(here, "models", case), attn_implementation="eager",
                                                  torch_dtype=torch.float32)
        c = hf.config
        cfg = dict(d_model=c.hidden_size, d_head=c.head_dim, n_heads=c.num_attention_heads,
                   d_mlp=c.intermediate_size, n_layers=c.num_hidden_layers, n_ctx=c.max_position_embeddings,
                   eps=c.rms_norm_eps, d_vocab=c.vocab_size, act_fn=c.hidden_activation,
                   normalization_type="RMS", rotary_base=c.rope_theta, positional_embedding_type="rotary",
                   use_attn_scale=True, n_key_value_heads=c.num_key_value_heads, gated_mlp=True, final_rms=True,
                   original_architecture=c.architectures[0], model_name=case)
        if case == "gem2":
            cfg.update(window_size=c.sliding_window, use_local_attn=True,
                       attn_types=["local" if t == "sliding_attention" else "global" for t in c.layer_types],
                       attn_scores_soft_cap=c.attn_logit_softcapping,
                       output_logits_soft_cap=c.final_logit_softcapping,
                       attn_scale=c.query_pre_attn_scalar ** 0.5, use_normalization_before_and_after=True)
        cfg = HookedTransformerConfig(**cfg)
        model = HookedTransformer(cfg)
        model.load_state_dict(convert_gemma_weights(hf, cfg), strict=False)
        reference = load_file(os.path.join(here, "models", case, "hf_logits.safetensors"))
        tokens = reference["input_ids"]
        with torch.no_grad():
            logits, cache = model.run_with_cache(tokens)
        save_tl_model(os.path.join(ROOT, case + "-tl"), model, cfg, tokens, logits, cache)
        hf_logits = reference["logits"]
        delta = (torch.log_softmax(logits, -1) - torch.log_softmax(hf_logits, -1)).abs().max().item()
        print(f"{case}: TransformerLens vs Hugging Face max |dlogprob| {delta:.2e}", file=sys.stderr)


def dumps():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")
    reference = load_file(os.path.join(here, "models", "gpt2", "hf_logits.safetensors"))
    ids, logits = reference["input_ids"], reference["logits"]
    out = os.path.join(here, "dumps")
    os.makedirs(out, exist_ok=True)
    np.savez_compressed(os.path.join(out, "gpt2-deflated.npz"), input_ids=ids.numpy(), logits=logits.numpy())
    np.savez(os.path.join(out, "gpt2-stored-f16.npz"), input_ids=ids.numpy().astype(np.int32),
             logits=logits.numpy().astype(np.float16))
    torch.save({"input_ids": ids, "logits": logits, "attention_mask": torch.ones_like(ids)},
               os.path.join(out, "gpt2.pt"))
    torch.save({"input_ids": ids.to(torch.int32), "logits": logits.to(torch.bfloat16)},
               os.path.join(out, "gpt2-bf16.pt"))
    # Right-padded batches (texts of different lengths) with their attention_mask, from the
    # dump tool users run.
    import subprocess
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dump_hf_logits.py")
    for case in ["gpt2", "lam-gqa"]:
        subprocess.run([sys.executable, tool, os.path.join(here, "models", case), "--text", "The model layer norm",
                        "--text", "naïve café 🙂 with more words in it", "-o",
                        os.path.join(out, f"{case}-padded.safetensors")], check=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})


if __name__ == "__main__":
    main()
    gemma_cases()
    dumps()
