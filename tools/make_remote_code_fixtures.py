#!/usr/bin/env python
"""Rebuild the remote-code cases of Fixtures/ (Qwen v1, SantaCoder) with TransformerLens 2.16.1.

`QWenLMHeadModel` (Qwen/Qwen-*) and `GPT2LMHeadCustomModel` (bigcode/santacoder) are remote-code
models: transformers has no class for them, and there is no network here to fetch their modelling
code. TransformerLens 2.16.1 converts them itself (`convert_qwen_weights`, `convert_coder_weights`,
and their branches of `convert_hf_model_config`). This script writes a tiny checkpoint in each Hub
layout (the tensor names those converters read, a config.json with the fields the Hub repo holds),
then hands TransformerLens a stand-in module tree exposing those tensors under the same attribute
paths, and the config read from config.json. The references are TransformerLens's own conversion,
processing and `HookedTransformer` forward pass: `tl/raw.logits.safetensors` is the ground truth for
`verify` (manifest `logits_reference`), there being no Hugging Face forward pass to ask.

    /work/main/tools/.venv/bin/python tools/make_remote_code_fixtures.py                 # both cases
    /work/main/tools/.venv/bin/python tools/make_remote_code_fixtures.py --only qwen1    # one (repeatable)

Weights: seeded normal draws (matrices N(0, 0.1) + N(0, 0.05), norm weights 1 + N(0, 0.1), biases
N(0, 0.1)), so a swapped or misread tensor shows in the logits.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (sets the offline/deterministic environment)
import make_tokenizer_cases as mtc  # noqa: E402
import fixture_readme  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402

V = mf.TOKENIZER_VOCAB
GENERATOR = "tools/make_remote_code_fixtures.py"
LOGITS_REFERENCE = "tl/raw.logits.safetensors"


# --------------------------------------------------------------------------------------------
# The checkpoints, as the Hub repos hold them
# --------------------------------------------------------------------------------------------

def qwen1_config() -> dict:
    # The fields of Qwen/Qwen-1_8B's config.json, sizes shrunk. TransformerLens reads hidden_size,
    # num_attention_heads, intermediate_size (halved: w1 and w2 each), num_hidden_layers,
    # layer_norm_epsilon, vocab_size, scale_attn_weights, initializer_range and kv_channels.
    return {
        "architectures": ["QWenLMHeadModel"],
        "auto_map": {"AutoConfig": "configuration_qwen.QWenConfig",
                     "AutoModelForCausalLM": "modeling_qwen.QWenLMHeadModel"},
        "attn_dropout_prob": 0.0, "bf16": False, "emb_dropout_prob": 0.0, "fp16": False, "fp32": False,
        "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 128, "kv_channels": 8,
        "layer_norm_epsilon": 1e-06, "max_position_embeddings": 64, "model_type": "qwen", "no_bias": True,
        "num_attention_heads": 4, "num_hidden_layers": 2, "onnx_safe": None, "rotary_emb_base": 10000,
        "rotary_pct": 1.0, "scale_attn_weights": True, "seq_length": 64, "tie_word_embeddings": False,
        "tokenizer_class": "QWenTokenizer", "transformers_version": "4.32.0", "use_cache": True,
        "use_dynamic_ntk": True, "use_flash_attn": "auto", "use_logn_attn": True, "vocab_size": V,
    }


def qwen1_tensors(cfg: dict, gen: torch.Generator) -> dict[str, torch.Tensor]:
    d, f, v = cfg["hidden_size"], cfg["intermediate_size"] // 2, cfg["vocab_size"]
    t = {"transformer.wte.weight": matrix(gen, v, d)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"transformer.h.{l}."
        t[p + "ln_1.weight"] = norm(gen, d)
        t[p + "attn.c_attn.weight"] = matrix(gen, 3 * d, d)  # nn.Linear: [out, in], Q|K|V along the rows
        t[p + "attn.c_attn.bias"] = bias(gen, 3 * d)
        t[p + "attn.c_proj.weight"] = matrix(gen, d, d)      # no_bias: no c_proj bias
        t[p + "ln_2.weight"] = norm(gen, d)
        t[p + "mlp.w1.weight"] = matrix(gen, f, d)
        t[p + "mlp.w2.weight"] = matrix(gen, f, d)
        t[p + "mlp.c_proj.weight"] = matrix(gen, d, f)
    t["transformer.ln_f.weight"] = norm(gen, d)
    t["lm_head.weight"] = matrix(gen, v, d)
    return t


def santacoder_config() -> dict:
    # The fields of bigcode/santacoder's config.json, sizes shrunk (n_inner = 4 n_embd, as there).
    return {
        "activation_function": "gelu_fast", "architectures": ["GPT2LMHeadCustomModel"],
        "attention_head_type": "multiquery", "attn_pdrop": 0.1,
        "auto_map": {"AutoConfig": "configuration_gpt2_mq.GPT2CustomConfig",
                     "AutoModelForCausalLM": "modeling_gpt2_mq.GPT2LMHeadCustomModel"},
        "bos_token_id": 0, "embd_pdrop": 0.1, "eos_token_id": 0, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 64, "n_embd": 32, "n_head": 4,
        "n_inner": 128, "n_layer": 2, "n_positions": 64, "reorder_and_upcast_attn": False, "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True, "summary_activation": None,
        "summary_first_dropout": 0.1, "summary_proj_to_labels": True, "summary_type": "cls_index",
        "summary_use_proj": True, "torch_dtype": "float32", "transformers_version": "4.24.0",
        "use_cache": True, "vocab_size": V,
    }


def santacoder_tensors(cfg: dict, gen: torch.Generator) -> dict[str, torch.Tensor]:
    d, v, ctx = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    h = d // cfg["n_head"]
    t = {"transformer.wte.weight": matrix(gen, v, d), "transformer.wpe.weight": matrix(gen, ctx, d)}
    for l in range(cfg["n_layer"]):
        p = f"transformer.h.{l}."
        t[p + "ln_1.weight"], t[p + "ln_1.bias"] = norm(gen, d), bias(gen, d)
        t[p + "attn.q_attn.weight"], t[p + "attn.q_attn.bias"] = matrix(gen, d, d), bias(gen, d)  # Conv1D: [in, out]
        t[p + "attn.kv_attn.weight"], t[p + "attn.kv_attn.bias"] = matrix(gen, d, 2 * h), bias(gen, 2 * h)
        t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = matrix(gen, d, d), bias(gen, d)
        t[p + "ln_2.weight"], t[p + "ln_2.bias"] = norm(gen, d), bias(gen, d)
        t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = matrix(gen, d, 4 * d), bias(gen, 4 * d)
        t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = matrix(gen, 4 * d, d), bias(gen, d)
    t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = norm(gen, d), bias(gen, d)
    return t  # lm_head is tied to wte: not in the file, as save_pretrained leaves it out


def matrix(gen, *shape):
    return torch.randn(shape, generator=gen) * 0.1 + torch.randn(shape, generator=gen) * 0.05


def norm(gen, n):
    return 1 + torch.randn(n, generator=gen) * 0.1


def bias(gen, n):
    return torch.randn(n, generator=gen) * 0.1


def save_qwen_tokenizer(directory: Path) -> None:
    """Qwen v1's tokenizer files: qwen.tiktoken (base64 token bytes and rank per line; here the
    fixture BPE's vocabulary) and a tokenizer_config.json naming the remote `QWenTokenizer`."""
    byte_of = {c: b for b, c in transformers.models.gpt2.tokenization_gpt2.bytes_to_unicode().items()}
    vocab = mf.model_tokenizer().get_vocab()
    lines = [f"{base64.b64encode(bytes(byte_of[c] for c in token)).decode()} {rank}"
             for token, rank in sorted(vocab.items(), key=lambda kv: kv[1])]
    (directory / "qwen.tiktoken").write_text("\n".join(lines) + "\n")
    mf.write_json(directory / "tokenizer_config.json", {
        "auto_map": {"AutoTokenizer": ["tokenization_qwen.QWenTokenizer", None]},
        "model_max_length": 8192, "tokenizer_class": "QWenTokenizer"})
    write_qwen_tokenizer_cases(directory)


# Qwen v1's tokenizer as tokenization_qwen.py (Qwen/Qwen-7B) defines it: its pre-tokenizer pattern,
# and 208 special tokens whose ids are fixed in the code (not counted from the rank file).
QWEN_PAT_STR = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
                r"""\s*[\r\n]+|\s+(?!\S)|\s+""")
QWEN_SPECIAL_START_ID = 151643
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(205)]
QWEN_TEXTS = mtc.TEXTS + [
    "<|endoftext|>The model<|im_end|>", "a <|im_start|>user\nhi<|im_end|>\n", "<|extra_0|><|extra_204|> x",
    "<|extra_205|> <|endoftext|  |endoftext|>", "I'm you'RE he'S 'll 'LL", "a1b22c333 4444 ٣٤ Ⅻ",
    "x\r\n\r\n  \n\t y \u00a0\u3000z", "😀 🤖 \U0001f9d1\u200d\U0001f4bb", "中文测试，标点！", "\u0301x e\u0301",
]


def write_qwen_tokenizer_cases(directory: Path) -> None:
    """tiktoken_cases.json: what QWenTokenizer makes of awkward strings with the fixture's
    qwen.tiktoken. Its `tokenize` NFC-normalizes the text and calls tiktoken's encode with
    allowed_special="all" (so a special token's text is that token) and no disallowed set;
    decode is tiktoken's with errors="replace". `to_tokens` is TransformerLens 2.16.1's
    prepend_bos=True for it: the BOS text (eos_token fallback "<|endoftext|>") glued in front."""
    import unicodedata

    import tiktoken

    ranks = {base64.b64decode(tok): int(rank) for tok, rank in
             (line.split() for line in (directory / "qwen.tiktoken").read_bytes().splitlines() if line)}
    specials = {tok: QWEN_SPECIAL_START_ID + i for i, tok in enumerate(QWEN_SPECIALS)}
    enc = tiktoken.Encoding("Qwen", pat_str=QWEN_PAT_STR, mergeable_ranks=ranks, special_tokens=specials)
    alphabet = transformers.models.gpt2.tokenization_gpt2.bytes_to_unicode()
    inverse = {i: t for t, i in specials.items()}

    def encode(text: str) -> list[int]:
        return enc.encode(unicodedata.normalize("NFC", text), allowed_special="all", disallowed_special=())

    def shown(i: int) -> str:
        return inverse.get(i) or "".join(alphabet[b] for b in enc.decode_single_token_bytes(i))

    cases, strict = [], []
    for text in QWEN_TEXTS:
        ids = encode(text)
        with_bos = encode("<|endoftext|>" + text)
        cases.append({"text": text, "ids": ids, "tokens": [shown(i) for i in ids],
                      "decoded": enc.decode(ids, errors="replace"),
                      "str_tokens": [enc.decode([i], errors="replace") for i in ids],
                      "to_tokens": with_bos})
        # tiktoken's own default (every special token disallowed) raises on special-token text.
        try:
            enc.encode(text)
            raises = False
        except ValueError:
            raises = True
        strict.append({"text": text, "tiktoken_default_raises": raises})
    # Partial UTF-8: the bytes of one multi-byte character split across ids, decoded alone and joined.
    partial = []
    for text in ["é", "中", "🙂", "a中b"]:
        raw = text.encode()
        ids = [ranks[raw[i:i + 1]] for i in range(len(raw))]
        partial.append({"ids": ids, "decoded": enc.decode(ids, errors="replace"),
                        "head": enc.decode(ids[:-1], errors="replace"),
                        "str_tokens": [enc.decode([i], errors="replace") for i in ids]})
    mf.write_json(directory / "tiktoken_cases.json", {
        "generator": GENERATOR, "tiktoken": version("tiktoken"), "special_start_id": QWEN_SPECIAL_START_ID,
        "cases": cases, "tiktoken_default": strict, "partial_utf8": partial})


CASES = [
    mf.Case("qwen1", "qwen", lambda: None, 31, "Qwen (v1), remote code: fused c_attn (nn.Linear, Q|K|V "
            "rows) with bias, no c_proj bias, RMSNorm, gated MLP with w2 as the gate and w1 the input "
            "(intermediate_size 128 → d_mlp 64), rotary over all of kv_channels 8, untied; tokenizer "
            "qwen.tiktoken (QWenTokenizer's tiktoken BPE; tiktoken_cases.json holds tiktoken's encodings)", rotary=True,
            notes="no Hugging Face class: the reference is TransformerLens 2.16.1's convert_qwen_weights "
                  "and forward over a stand-in of the Hub layout"),
    mf.Case("santacoder", "santacoder", lambda: None, 32, "SantaCoder, remote code: multi-query attention "
            "(q_attn Conv1D, one shared K/V head in kv_attn, repeated per query head), learned positions, "
            "LayerNorm, gelu_fast, biases everywhere, lm_head tied to wte (absent from the file)",
            refactor=True,
            notes="no Hugging Face class: the reference is TransformerLens 2.16.1's convert_coder_weights "
                  "and forward over a stand-in of the Hub layout"),
]
CASE_BY_NAME = {c.name: c for c in CASES}
CHECKPOINTS = {"qwen1": (qwen1_config, qwen1_tensors), "santacoder": (santacoder_config, santacoder_tensors)}


# --------------------------------------------------------------------------------------------
# TransformerLens on the stand-in
# --------------------------------------------------------------------------------------------

class StandIn(torch.nn.Module):
    """A module tree with the checkpoint's tensors at their dotted paths (numbered parts as lists),
    which is all TransformerLens's converters read of a remote-code model."""


def stand_in(tensors: dict[str, torch.Tensor], tied: dict[str, str]) -> torch.nn.Module:
    root = StandIn()
    for name, tensor in list(tensors.items()) + [(k, tensors[v]) for k, v in tied.items()]:
        *path, leaf = name.split(".")
        node = root
        for i, part in enumerate(path):
            if isinstance(node, torch.nn.ModuleList):
                while len(node) <= int(part):
                    node.append(StandIn())
                node = node[int(part)]
                continue
            if part not in node._modules:
                numbered = i + 1 < len(path) and path[i + 1].isdigit()
                node.add_module(part, torch.nn.ModuleList() if numbered else StandIn())
            node = node._modules[part]
        node.register_parameter(leaf, torch.nn.Parameter(tensor.clone(), requires_grad=False))
    return root.eval()


def tl_model(case: mf.Case, directory: Path, model: torch.nn.Module, proc: str):
    """from_pretrained's steps for a local directory, with AutoConfig reading config.json as it is
    (the remote configuration class is not available offline; TL reads only plain fields)."""
    from transformer_lens import HookedTransformer
    from transformer_lens import loading_from_pretrained as loading

    hub_config = json.loads((directory / "config.json").read_text())
    flags = dict(mf.PROCESSINGS[proc])
    original = loading.AutoConfig
    loading.AutoConfig = type("ConfigFromJSON", (), {
        "from_pretrained": staticmethod(lambda name, **kw: transformers.PretrainedConfig(**hub_config))})
    try:
        cfg = loading.get_pretrained_model_config(case.name, hf_cfg=hub_config, fold_ln=flags["fold_ln"],
                                                  device="cpu", dtype=torch.float32)
    finally:
        loading.AutoConfig = original
    if case.name == "qwen1":
        cfg.tokenizer_name = None  # QWenTokenizer is remote code too: build the model without a tokenizer
    state_dict = loading.get_pretrained_state_dict(case.name, cfg, model, dtype=torch.float32)
    tl = HookedTransformer(cfg, move_to_device=False)
    tl.load_and_process_state_dict(state_dict, **flags)
    return tl.eval()


def make_case(case: mf.Case) -> dict:
    directory = mf.MODELS / case.name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    config_fn, tensors_fn = CHECKPOINTS[case.name]
    config = config_fn()
    tensors = tensors_fn(config, torch.Generator().manual_seed(case.seed))
    mf.save_file({k: v.contiguous() for k, v in tensors.items()}, str(directory / "model.safetensors"),
                 metadata={"format": "pt"})
    mf.write_json(directory / "config.json", config)
    if case.name == "qwen1":
        save_qwen_tokenizer(directory)
    else:
        mf.save_model_tokenizer(directory)
    tied = {"lm_head.weight": "transformer.wte.weight"} if "lm_head.weight" not in tensors else {}
    model = stand_in(tensors, tied)
    input_ids = mf.input_ids_for(case.seed, min(config["vocab_size"], V))

    out = directory / "tl"
    out.mkdir()
    logits = {}
    cwd = os.getcwd()
    os.chdir(mf.MODELS)
    try:
        for proc in mf.PROCESSINGS:
            if proc == "refactor" and not case.refactor:
                continue
            tl = tl_model(case, directory, model, proc)
            params = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in tl.named_parameters()}
            mf.save_file(params, str(out / f"{proc}.safetensors"))
            mf.write_json(out / f"{proc}.cfg.json", mf.tl_cfg_json(tl))
            with torch.no_grad():
                logits[proc] = tl(input_ids, return_type="logits").float().contiguous()
            mf.save_file({"input_ids": input_ids.clone(), "logits": logits[proc]},
                         str(out / f"{proc}.logits.safetensors"))
    finally:
        os.chdir(cwd)
    # Processing must not move TransformerLens's own log-probs: a check on the reference itself.
    deltas = {p: mf.max_dlogprob(l, logits["raw"]) for p, l in logits.items() if p != "raw"}
    print(f"{case.name}: processed vs raw " + ", ".join(f"{k} {v:.2e}" for k, v in deltas.items()), flush=True)
    return deltas


def manifest_entry(case: mf.Case, deltas: dict) -> dict:
    entry = mf.manifest_entry(case, {})
    entry.update({
        "tl_processings": [p for p in mf.PROCESSINGS if p != "refactor" or case.refactor],
        "tl_logits_match_hf": False,
        "logits_reference": LOGITS_REFERENCE,
        "tl_processed_vs_raw_max_abs_dlogprob": deltas,
        "remote_code": True,
        "generator": GENERATOR,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "transformer_lens": version("transformer-lens"), "numpy": mf.np.__version__},
    })
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], choices=sorted(CASE_BY_NAME))
    args = parser.parse_args(argv)
    if version("transformer-lens") != "2.16.1":
        parser.error(f"needs transformer-lens 2.16.1 (tools/.venv), not {version('transformer-lens')}")
    wanted = set(args.only) or set(CASE_BY_NAME)

    manifest_path = mf.FIXTURES / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    previous = {c["name"]: c for c in manifest["cases"]}
    entries = {}
    for case in CASES:
        if case.name in wanted:
            deltas = make_case(case)
        elif (mf.MODELS / case.name).exists() and case.name in previous:
            deltas = previous[case.name].get("tl_processed_vs_raw_max_abs_dlogprob", {})
        else:
            continue
        entries[case.name] = manifest_entry(case, deltas)

    cases = [c for c in manifest["cases"] if c["name"] not in CASE_BY_NAME]
    cases += [entries[c.name] for c in CASES if c.name in entries]
    manifest["cases"] = cases
    mf.write_json(manifest_path, manifest)
    fixture_readme.write_readme(mf.FIXTURES, cases, manifest["versions"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
