#!/usr/bin/env python
"""Rebuild the OLMo cases of Fixtures/ with the TransformerLens 3.x reference stack.

TransformerLens added OLMo, OLMo 2, OLMo 3 and OLMoE to `HookedTransformer` in 3.x, which needs
transformers >= 5.4; the other cases are made by tools/make_fixtures.py with TransformerLens 2.16.1
and transformers 4.57. This script reuses make_fixtures.py's helpers (tiny models, perturbation,
inputs, tokenizer, references) and merges its cases into Fixtures/manifest.json (each entry records
its own `generator` and `versions`; make_fixtures.py keeps them when it rewrites the manifest).

    /work/main/tools/.venv-tl3/bin/python tools/make_olmo_fixtures.py              # every OLMo case
    /work/main/tools/.venv-tl3/bin/python tools/make_olmo_fixtures.py --only olmo2 # one case (repeatable)

TransformerLens 3.x selects the OLMo and OLMo 2 configs by hub name (`allenai/OLMo-1B-hf`,
`allenai/OLMo-2-0425-1B`, ...) with the released sizes written out; for a tiny local model
`tl_config_by_name` writes the same fields from its config.json, and the rest of TransformerLens
(weight conversion, `HookedTransformer`, processing) runs unchanged. OLMo 3 and OLMoE are read
from config.json by TransformerLens itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (sets the offline/deterministic environment)
import fixture_readme  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402

V = mf.TOKENIZER_VOCAB
GENERATOR = "tools/make_olmo_fixtures.py"


def olmo_config():
    return transformers.OlmoConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, max_position_embeddings=64, rope_theta=10000.0,
                                   tie_word_embeddings=False, bos_token_id=0, eos_token_id=0, pad_token_id=1,
                                   initializer_range=0.1)


def olmo_clip_config():
    config = olmo_config()
    config.clip_qkv = 0.6  # below the largest |q|, |k|, |v| of the perturbed model: the clamp bites
    return config


def olmo2_config():
    return transformers.Olmo2Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, max_position_embeddings=64, rope_theta=500000.0,
                                    rms_norm_eps=1e-6, tie_word_embeddings=False, bos_token_id=0, eos_token_id=0,
                                    pad_token_id=1, initializer_range=0.1)


def olmo3_config():
    return transformers.Olmo3Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=4,
                                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                    sliding_window=6, rms_norm_eps=1e-6, tie_word_embeddings=False,
                                    bos_token_id=0, eos_token_id=0, pad_token_id=1, initializer_range=0.1)


def olmo3_yarn_config():
    # The released Olmo-3 configs' rope: YaRN (factor 8, attention_factor 0.1·ln 8 + 1) on the full
    # layers, plain on the sliding ones; here with an original context of 8 positions and a sliding
    # base of its own, so the ramp and both bases show within 16 positions.
    config = olmo3_config()
    config.rope_parameters = {
        "full_attention": {"rope_type": "yarn", "rope_theta": 500000.0, "factor": 8.0, "attention_factor": 1.2079441541679836,
                           "beta_fast": 32.0, "beta_slow": 1.0, "original_max_position_embeddings": 8},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    }
    config.layer_types = ["sliding_attention", "full_attention", "sliding_attention", "full_attention"]
    return config


def olmoe_config():
    return transformers.OlmoeConfig(vocab_size=V, hidden_size=32, intermediate_size=16, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                    num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, clip_qkv=0.8,
                                    rms_norm_eps=1e-5, tie_word_embeddings=False, bos_token_id=0, eos_token_id=0,
                                    pad_token_id=1, initializer_range=0.1)


CASES = [
    mf.Case("olmo", "olmo", olmo_config, 16, "OLMo: LayerNorm without weight or bias (eps 1e-5), gated silu, "
            "no biases, untied", rotary=True,
            notes="TransformerLens 3.x hard-codes OLMo configs by hub name; the references give it the same "
                  "fields for this model's sizes"),
    mf.Case("olmo-clip", "olmo", olmo_clip_config, 17, "OLMo with clip_qkv 0.6 (Q, K, V clamped after "
            "projection)", rotary=True,
            notes="TransformerLens 3.x hard-codes OLMo configs by hub name; the references give it the same "
                  "fields for this model's sizes"),
    mf.Case("olmo2", "olmo2", olmo2_config, 18, "OLMo 2: RMS norms after attention and after the MLP only, "
            "QK RMS norm over the whole projection, rope_theta 5e5, untied", rotary=True,
            notes="TransformerLens 3.x hard-codes OLMo 2 configs by hub name; the references give it the same "
                  "fields for this model's sizes. It declines fold_ln and center_writing_weights (post-norm)"),
    mf.Case("olmo3", "olmo3", olmo3_config, 19, "OLMo 3: OLMo 2's block, GQA 4/2, 4 layers (3 sliding(6), "
            "1 full), untied", rotary=True, gqa=True,
            notes="TransformerLens 3.x declines fold_ln and center_writing_weights (post-norm)"),
    mf.Case("olmo3-yarn", "olmo3", olmo3_yarn_config, 22, "OLMo 3 with YaRN on the full layers (factor 8, "
            "attention_factor 1.208, original context 8) and rope_theta 1e4 on the sliding ones (5e5 on the full), "
            "4 layers sliding(6)/full alternating, GQA 4/2, untied", rotary=True, gqa=True,
            notes="TransformerLens 3.x declines fold_ln and center_writing_weights (post-norm)"),
    mf.Case("olmoe", "olmoe", olmoe_config, 20, "OLMoE: 4 experts, top-2 without renormalisation "
            "(norm_topk_prob false), QK RMS norm over the whole projection, clip_qkv 0.8, GQA 4/2, untied",
            rotary=True, gqa=True),
]
CASE_BY_NAME = {c.name: c for c in CASES}


def tl_config_by_name(local_name: str) -> dict | None:
    """TransformerLens 3.x's hub-name OLMo / OLMo 2 config fields, for a local tiny checkpoint."""
    hf = transformers.AutoConfig.from_pretrained(local_name)
    architecture = hf.architectures[0]
    if architecture not in ("OlmoForCausalLM", "Olmo2ForCausalLM"):
        return None
    common = {
        "d_model": hf.hidden_size,
        "d_head": hf.hidden_size // hf.num_attention_heads,
        "n_heads": hf.num_attention_heads,
        "d_mlp": hf.intermediate_size,
        "n_layers": hf.num_hidden_layers,
        "n_ctx": hf.max_position_embeddings,
        "d_vocab": hf.vocab_size,
        "act_fn": "silu",
        "initializer_range": hf.initializer_range,
        "rotary_base": hf.rope_parameters["rope_theta"],
        "attn_types": ["global"] * hf.num_hidden_layers,
        "positional_embedding_type": "rotary",
        "gated_mlp": True,
    }
    if architecture == "OlmoForCausalLM":
        cfg = dict(common, eps=1e-05, normalization_type="LN", clip_qkv=getattr(hf, "clip_qkv", None))
    else:
        cfg = dict(common, eps=hf.rms_norm_eps, normalization_type="RMS")
    # convert_hf_model_config's epilogue
    cfg["original_architecture"] = architecture
    cfg["quantization_method"] = None
    cfg["tokenizer_name"] = local_name
    return cfg


def install_tl_config_by_name() -> None:
    from transformer_lens import loading_from_pretrained as loading
    original = loading.convert_hf_model_config

    def convert(model_name, **kwargs):
        return tl_config_by_name(model_name) or original(model_name, **kwargs)

    loading.convert_hf_model_config = convert


def tl_flags_as_from_pretrained(case: mf.Case, proc: str) -> dict:
    """from_pretrained declines fold_ln and center_writing_weights for post-norm models."""
    from transformer_lens.utilities.architectures import POST_NORM_ARCHITECTURES
    flags = dict(mf.PROCESSINGS[proc])
    architecture = transformers.AutoConfig.from_pretrained(str(mf.MODELS / case.name)).architectures[0]
    if architecture in POST_NORM_ARCHITECTURES:
        flags["fold_ln"] = False
        flags["center_writing_weights"] = False
    return flags


def make_case(case: mf.Case) -> dict:
    # make_fixtures' tl_model reads its PROCESSINGS: give it from_pretrained's flags for this case.
    saved = mf.PROCESSINGS
    try:
        mf.PROCESSINGS = {p: saved[p] for p in saved}
        result_dir = mf.MODELS / case.name
        if result_dir.exists():
            import shutil
            shutil.rmtree(result_dir)
        result_dir.mkdir(parents=True)
        model = mf.build_model(case)
        mf.save_checkpoint(case, model, result_dir)
        del model
        mf.PROCESSINGS = {p: tl_flags_as_from_pretrained(case, p) for p in saved}
        hf_model = mf.load_hf(result_dir)
        vocab = min(hf_model.config.vocab_size, mf.model_tokenizer().get_vocab_size())
        input_ids = mf.input_ids_for(case.seed, vocab)
        logits = mf.hf_logits(hf_model, input_ids)
        mf.save_file({"input_ids": input_ids.clone(), "logits": logits}, str(result_dir / "hf_logits.safetensors"))
        deltas = mf.tl_references(case, hf_model, input_ids, logits, result_dir)
    finally:
        mf.PROCESSINGS = saved
    print(f"{case.name}: " + ", ".join(f"{k} {v:.2e}" for k, v in deltas.items()), flush=True)
    return deltas


def versions() -> dict:
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "transformer_lens": version("transformer-lens"), "numpy": mf.np.__version__}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], choices=sorted(CASE_BY_NAME))
    args = parser.parse_args(argv)
    wanted = set(args.only) or set(CASE_BY_NAME)
    install_tl_config_by_name()

    manifest_path = mf.FIXTURES / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    previous = {c["name"]: c for c in manifest["cases"]}
    entries = {}
    for case in CASES:
        if case.name in wanted:
            deltas = make_case(case)
        elif (mf.MODELS / case.name).exists() and case.name in previous:
            deltas = previous[case.name]["tl_vs_hf_max_abs_dlogprob"]
        else:
            continue
        entry = mf.manifest_entry(case, deltas)
        entry["tl_processings"] = [p for p in mf.PROCESSINGS if p != "refactor" or case.refactor]
        entry["generator"] = GENERATOR
        entry["transformer_lens"] = version("transformer-lens")  # the release its references need
        entry["versions"] = versions()
        entries[case.name] = entry

    cases = [c for c in manifest["cases"] if c["name"] not in CASE_BY_NAME]
    cases += [entries[c.name] for c in CASES if c.name in entries]
    manifest["cases"] = cases
    mf.write_json(manifest_path, manifest)
    fixture_readme.write_readme(mf.FIXTURES, cases, manifest["versions"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
