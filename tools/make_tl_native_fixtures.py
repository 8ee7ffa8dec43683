#!/usr/bin/env python
"""Writes Fixtures/tl-native/<case>/: tiny TransformerLens-native checkpoints (NeelNanda's
toy models, the `_old` SoLU layout, minGPT) saved the way their Hub repos hold them, with
what TransformerLens 2.16.1's own `from_pretrained` makes of them.

    tools/.venv/bin/python tools/make_tl_native_fixtures.py

Each case:
  repo/config.json, repo/<Stem>_final.pth    the Hub repo (TransformerLens's own config fields,
                                             a torch.save'd state dict); attn-only-1l also has
                                             repo/checkpoints/<Stem>_{100,200}.pth
  tl/{raw,fold,defaults}.safetensors         HookedTransformer.from_pretrained's parameters with
                                             no processing, fold_ln only, and its defaults
  tl/{raw,fold,defaults}.cfg.json            its cfg.to_dict()
  tl/raw.logits.safetensors                  input_ids [2, 8] and its logits (processing keeps
                                             log-probabilities: the reference for all three)
  tl/step200.*                               (attn-only-1l) checkpoint_value=200, no processing
  tl/cache.safetensors, tl/prompt.json       (attn-only-1l) run_with_cache of a prompt tokenized
                                             with Fixtures/models/gpt2's tokenizer (BOS prepended)

TransformerLens runs its real loading path (`get_pretrained_model_config`,
`get_pretrained_state_dict`, `convert_neel_solu_old_weights`, `convert_mingpt_weights`,
`load_and_process_state_dict`); only the Hub is replaced: `download_file_from_hf`,
`HfApi.list_repo_files` and the official-name lookup read these local repos.
Fixed seeds: a rerun writes identical bytes.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import einops  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

import transformer_lens  # noqa: E402
import transformer_lens.loading_from_pretrained as loading  # noqa: E402
import transformer_lens.utils as tl_utils  # noqa: E402
from transformer_lens import HookedTransformer, HookedTransformerConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "tl-native"
TOKENIZER_DIR = ROOT / "Fixtures" / "models" / "gpt2"
BATCH, SEQ = 2, 8
PROMPT = "The cat sat on the mat. The cat"
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

PROCESSINGS = {
    "raw": dict(fold_ln=False, center_writing_weights=False, center_unembed=False, fold_value_biases=False),
    "fold": dict(fold_ln=True, center_writing_weights=False, center_unembed=False, fold_value_biases=False),
    "defaults": dict(fold_ln=True, center_writing_weights=True, center_unembed=True, fold_value_biases=True),
}


@dataclasses.dataclass
class Case:
    name: str
    repo: str
    stem: str
    seed: int
    #: TransformerLens config fields of the tiny model (HookedTransformerConfig names).
    cfg: dict
    #: How the Hub's config.json spells them (extra/renamed keys), and the layout of the .pth.
    layout: str = "neel"  # neel | old | mingpt
    old_style_config: bool = False
    checkpoints: tuple = ()


BASE = dict(d_model=8, d_head=4, n_heads=2, d_mlp=16, n_ctx=16, d_vocab=64, normalization_type="LN",
            act_fn="solu_ln", attn_only=False, positional_embedding_type="standard",
            tokenizer_name="EleutherAI/gpt-neox-20b")

CASES = [
    Case("attn-only-1l", "NeelNanda/Attn_Only_1L512W_C4_Code", "Attn_Only_1L512W_C4_Code", 1,
         dict(BASE, n_layers=1, attn_only=True, d_vocab=400), checkpoints=(100, 200)),
    Case("attn-only-2l-lnpre", "NeelNanda/Attn_Only_2L512W_C4_Code", "Attn_Only_2L512W_C4_Code", 2,
         dict(BASE, n_layers=2, attn_only=True, normalization_type="LNPre")),
    Case("attn-only-3l-nonorm", "NeelNanda/Attn_Only_3L512W_C4_Code", "Attn_Only_3L512W_C4_Code", 3,
         dict(BASE, n_layers=3, attn_only=True, normalization_type=None)),
    Case("attn-only-2l-demo", "NeelNanda/Attn-Only-2L512W-Shortformer-6B-big-lr",
         "Attn-Only-2L512W-Shortformer-6B-big-lr", 4,
         dict(BASE, n_layers=2, attn_only=True, positional_embedding_type="shortformer")),
    Case("gelu-2l", "NeelNanda/GELU_2L512W_C4_Code", "GELU_2L512W_C4_Code", 5,
         dict(BASE, n_layers=2, act_fn="gelu", final_rms=True)),
    Case("solu-2l", "NeelNanda/SoLU_2L512W_C4_Code", "SoLU_2L512W_C4_Code", 6, dict(BASE, n_layers=2)),
    Case("solu-1l-old", "NeelNanda/SoLU_1L_v9_old", "SoLU_1L_v9_old", 7, dict(BASE, n_layers=1),
         layout="old", old_style_config=True),
    Case("solu-8l-old", "NeelNanda/SoLU_8L_v21_old", "SoLU_8L_v21_old", 8,
         dict(BASE, n_layers=8, d_vocab=32, d_mlp=8), layout="old", old_style_config=True),
    Case("mingpt-2l", "ArthurConmy/redwood_attn_2l", "redwood_attn_2l", 9,
         dict(BASE, n_layers=2, act_fn="gelu_new", tokenizer_name="gpt2"), layout="mingpt"),
]


# ------------------------------------------------------------------------------------------
# Writing the Hub repos
# ------------------------------------------------------------------------------------------

def hub_config(case: Case) -> dict:
    """config.json as the repo holds it: TransformerLens's fields plus training-run fields."""
    c = dict(case.cfg)
    out = {k: c[k] for k in ("d_model", "n_layers", "d_mlp", "d_head", "n_heads", "n_ctx", "d_vocab",
                             "act_fn", "attn_only", "tokenizer_name")}
    if case.old_style_config:
        out["normalization"] = c["normalization_type"]
    else:
        out["normalization_type"] = c["normalization_type"]
    out["shortformer_pos"] = c["positional_embedding_type"] == "shortformer"
    if c.get("final_rms"):
        out["final_rms"] = True
    if case.layout == "mingpt":
        out["architecture"] = "mingpt"
    # Fields of the training run that TransformerLens ignores.
    out.update({"batch_size": 32, "lr": 0.001, "seed": case.seed, "n_tokens": 1000, "use_bfloat16_matmul": False,
                "train_loss_ewma_beta": 0.99, "dataset_name": "c4_code"})
    return out


@torch.no_grad()
def random_model(case: Case, seed: int) -> HookedTransformer:
    cfg = HookedTransformerConfig(**dict(case.cfg, tokenizer_name=None), seed=seed, init_weights=True)
    model = HookedTransformer(cfg, move_to_device=False)
    gen = torch.Generator().manual_seed(seed + 1000)
    for _, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        std = 0.2 if p.dim() == 1 else 0.3
        p.add_(torch.randn(p.shape, generator=gen) * std)
    return model


def hub_state_dict(case: Case, model: HookedTransformer) -> dict:
    """The state dict in the repo's layout: TransformerLens's own (with buffers), the `_old`
    SoLU layout, or minGPT's."""
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    if case.layout == "neel":
        return sd
    if case.layout == "old":
        n = case.cfg["n_layers"]
        out = {}
        for k, v in sd.items():
            if n <= 6 and "W_" in k and "W_pos" not in k:
                v = v.transpose(-2, -1)
            if n <= 8 and k == "pos_embed.W_pos":
                v = v.T
            k = k.replace("ln_final.", "norm.").replace("ln", "norm")
            out[k] = v.contiguous()
        return out
    h = case.cfg["n_heads"]
    out = {"tok_emb.weight": sd["embed.W_E"], "pos_emb": sd["pos_embed.W_pos"][None]}
    for l in range(case.cfg["n_layers"]):
        p = f"blocks.{l}."
        out[p + "ln1.weight"], out[p + "ln1.bias"] = sd[p + "ln1.w"], sd[p + "ln1.b"]
        for part, name in (("Q", "query"), ("K", "key"), ("V", "value")):
            out[p + f"attn.{name}.weight"] = einops.rearrange(sd[p + f"attn.W_{part}"], "i m h -> (i h) m")
            out[p + f"attn.{name}.bias"] = einops.rearrange(sd[p + f"attn.b_{part}"], "i h -> (i h)")
        out[p + "attn.proj.weight"] = einops.rearrange(sd[p + "attn.W_O"], "i h m -> m (i h)")
        out[p + "attn.proj.bias"] = sd[p + "attn.b_O"]
        out[p + "attn.mask"] = torch.tril(torch.ones(case.cfg["n_ctx"], case.cfg["n_ctx"]))[None, None]
        out[p + "ln2.weight"], out[p + "ln2.bias"] = sd[p + "ln2.w"], sd[p + "ln2.b"]
        out[p + "mlp.0.weight"], out[p + "mlp.0.bias"] = sd[p + "mlp.W_in"].T, sd[p + "mlp.b_in"]
        out[p + "mlp.2.weight"], out[p + "mlp.2.bias"] = sd[p + "mlp.W_out"].T, sd[p + "mlp.b_out"]
    out["ln_f.weight"], out["ln_f.bias"] = sd["ln_final.w"], sd["ln_final.b"]
    out["head.weight"] = sd["unembed.W_U"].T
    return {k: v.contiguous() for k, v in out.items()}


def write_repo(case: Case, directory: Path) -> None:
    directory.mkdir(parents=True)
    (directory / "config.json").write_text(json.dumps(hub_config(case), indent=2) + "\n")
    torch.save(hub_state_dict(case, random_model(case, case.seed)), directory / f"{case.stem}_final.pth")
    for step in case.checkpoints:
        (directory / "checkpoints").mkdir(exist_ok=True)
        torch.save(hub_state_dict(case, random_model(case, case.seed * 100 + step)),
                   directory / "checkpoints" / f"{case.stem}_{step}.pth")


# ------------------------------------------------------------------------------------------
# TransformerLens's from_pretrained, with the Hub served from the local repos
# ------------------------------------------------------------------------------------------

REPOS: dict[str, Path] = {}


def serve_local_repos() -> None:
    real_official = loading.get_official_model_name

    def official(name: str) -> str:
        return name if name in REPOS else real_official(name)

    def download(repo_name, file_name, subfolder=".", cache_dir=None, force_is_torch=False, **kwargs):
        path = REPOS[repo_name] / subfolder / file_name
        if file_name.endswith(".pth") or force_is_torch:
            return torch.load(path, map_location="cpu", weights_only=False)
        return json.loads(path.read_text())

    class LocalApi:
        def list_repo_files(self, repo_id, **kwargs):
            root = REPOS[repo_id]
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    loading.get_official_model_name = official
    tl_utils.download_file_from_hf = download
    loading.HfApi = LocalApi


def tokenizer():
    return transformers.AutoTokenizer.from_pretrained(str(TOKENIZER_DIR))


def tl_model(case: Case, proc: str, **kwargs) -> HookedTransformer:
    model = HookedTransformer.from_pretrained(case.repo, tokenizer=tokenizer(), device="cpu",
                                              **PROCESSINGS[proc], **kwargs)
    model.eval()
    return model


def jsonable(value):
    if isinstance(value, torch.dtype):
        return str(value).removeprefix("torch.")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def write_reference(model: HookedTransformer, out: Path, label: str, input_ids: torch.Tensor | None) -> None:
    params = {k: v.detach().float().contiguous().clone() for k, v in model.named_parameters()}
    save_file(params, str(out / f"{label}.safetensors"))
    cfg = jsonable(model.cfg.to_dict())
    cfg["device"] = None
    (out / f"{label}.cfg.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    if input_ids is None:
        return
    with torch.no_grad():
        logits = model(input_ids, return_type="logits").float().contiguous()
    save_file({"input_ids": input_ids.clone(), "logits": logits}, str(out / f"{label}.logits.safetensors"))


def write_cache(model: HookedTransformer, out: Path) -> None:
    tokens = model.to_tokens(PROMPT)
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens)
    save_file({k: v.float().contiguous().clone() for k, v in cache.items()}, str(out / "cache.safetensors"))
    (out / "prompt.json").write_text(json.dumps({"prompt": PROMPT, "input_ids": tokens[0].tolist()}) + "\n")


def make_case(case: Case) -> None:
    directory = OUT / case.name
    if directory.exists():
        shutil.rmtree(directory)
    write_repo(case, directory / "repo")
    REPOS[case.repo] = directory / "repo"
    out = directory / "tl"
    out.mkdir()
    gen = torch.Generator().manual_seed(case.seed + 2000)
    input_ids = torch.randint(0, case.cfg["d_vocab"], (BATCH, SEQ), generator=gen, dtype=torch.int64)
    for proc in PROCESSINGS:
        try:
            model = tl_model(case, proc)
        except KeyError as error:
            # TransformerLens 2.16.1 folds an LNPre model as if it had ln weights and fails.
            (out / f"{proc}.failed.txt").write_text(f"TransformerLens 2.16.1: KeyError {error}\n")
            continue
        # Processing leaves log-probabilities unchanged: the raw logits are the reference for all three.
        write_reference(model, out, proc, input_ids if proc == "raw" else None)
        if proc == "raw" and case.name == "attn-only-1l":
            write_cache(model, out)
    if case.checkpoints:
        write_reference(tl_model(case, "raw", checkpoint_value=case.checkpoints[-1]), out,
                        f"step{case.checkpoints[-1]}", input_ids)
    print(f"{case.name}: done", flush=True)


def main() -> int:
    assert transformer_lens.__version__ == "2.16.1" if hasattr(transformer_lens, "__version__") else True
    serve_local_repos()
    for case in CASES:
        make_case(case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
