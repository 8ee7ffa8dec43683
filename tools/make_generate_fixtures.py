#!/usr/bin/env python
"""Write Fixtures/generate/greedy.json: transformers' greedy generate on every decoder fixture.

For each model directory under Fixtures/models (the multimodal ones on text-only input), the
fixed prompt is tokenized as TransformerLens's to_tokens does (BOS when the case's TransformerLens
cfg says default_prepend_bos, then the text without special tokens) and
`generate(do_sample=False, max_new_tokens=12)` runs in float32 with eager attention; the file
records the prompt ids and the new ids. Each model runs under the transformers that saved it:
4.57.6 (this interpreter) for most, 5.x for the OLMo families, whose config.json only 5.x reads
right (`rope_parameters`): those run in a worker under `--transformers5-python` (default
tools/.venv-tl3/bin/python, the TransformerLens 3.9 environment). Generation stops at the model's EOS
as transformers decides it (generation_config.json). Two more runs of one model pass an
`eos_token_id` (an id, then a list) that the greedy continuation reaches, so a test can check
that generation stops there as transformers stops. The TransformerLens-native toy models
(Fixtures/tl-native, no transformers class) get TransformerLens 2.16.1's own greedy `generate`
(stop_at_eos=False, 4 seeded prompt ids and 12 new ones, the n_ctx of 16) on the state dict its
from_pretrained made (`tl/raw.safetensors`); so do the remote-code families of Fixtures/models
(Qwen v1, SantaCoder: no transformers class), on their `tl/raw.safetensors` + `tl/raw.cfg.json`,
from the fixed prompt where transformers reads the model's tokenizer (SantaCoder's tokenizer.json,
as TransformerLens's to_tokens) and from seeded ids where it cannot (Qwen's tiktoken file). The
encoders (BERT, T5: `is_encoder_decoder` or a BERT model type) are not decoded here; T5's greedy
reference is Fixtures/models/t5/hf_greedy.json. Last, transformers' own logits warpers
(TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, in generate's order) on seeded
logits, for the sampler's tests: which tokens survive and their warped scores. Top-k cases have
ties at the k-th score (kept, by the warper's threshold rule); top-p cases have none, since
torch.sort orders ties arbitrarily and so would transformers' choice among them.

    tools/.venv/bin/python tools/make_generate_fixtures.py [--transformers5-python PATH]

Deterministic (greedy, one torch thread); ~20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
import transformers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "Fixtures" / "models"
OUTPUT = ROOT / "Fixtures" / "generate" / "greedy.json"
PROMPT = "The quick brown fox jumps"
MAX_NEW_TOKENS = 12
EOS_CASE = "gpt2"

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def load(directory: Path):
    config = json.loads((directory / "config.json").read_text())
    architecture = config["architectures"][0]
    model = getattr(transformers, architecture).from_pretrained(
        directory, torch_dtype=torch.float32, attn_implementation="eager")
    # An MXFP4 checkpoint's experts come back dequantized in bfloat16 beside float32 activations.
    return model.float().eval(), architecture


def prompt_ids(directory: Path) -> list[int]:
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
    ids = tokenizer(PROMPT, add_special_tokens=False)["input_ids"]
    tl_cfg = directory / "tl" / "raw.cfg.json"
    prepend = json.loads(tl_cfg.read_text())["default_prepend_bos"] if tl_cfg.is_file() else True
    if not prepend:
        return ids
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    return [bos] + ids


def greedy(model, ids: list[int], **overrides) -> list[int]:
    input_ids = torch.tensor([ids])
    with torch.no_grad():
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                             max_new_tokens=MAX_NEW_TOKENS, pad_token_id=0, **overrides)
    return out[0, len(ids):].tolist()


def first_repeat_free_index(new_ids: list[int]) -> int:
    """The last index j ≥ 1 whose token does not occur before it: an EOS there stops at j + 1 tokens."""
    candidates = [j for j in range(1, len(new_ids)) if new_ids[j] not in new_ids[:j]]
    if not candidates:
        raise SystemExit(f"{EOS_CASE}: no token of the greedy continuation can serve as an EOS stop")
    return candidates[-1]


WARPER_SETTINGS = [  # (temperature, top_k, top_p)
    (1.0, None, None), (0.7, None, None), (1.0, 5, None), (1.0, 3, None), (1.0, None, 0.9),
    (0.5, None, 0.5), (1.5, 8, 0.8), (1.0, 1, None), (1.0, None, 1e-6), (2.0, 20, 0.95),
]


def warper_logits(ties: bool) -> torch.Tensor:
    generator = torch.Generator().manual_seed(18)
    logits = torch.randn(40, generator=generator) * 3
    if ties:
        logits[7] = logits[11] = logits[23] = logits.max() - 0.5  # ties around the top-k edge
    return logits.to(torch.float32)


def warper_cases() -> list[dict]:
    cases = []
    for temperature, top_k, top_p in WARPER_SETTINGS:
        logits = warper_logits(ties=top_p is None)
        warpers = [transformers.TemperatureLogitsWarper(temperature)]
        if top_k is not None:
            warpers.append(transformers.TopKLogitsWarper(top_k))
        if top_p is not None:
            warpers.append(transformers.TopPLogitsWarper(top_p))
        scores = logits[None].clone()
        for warper in warpers:
            scores = warper(None, scores)
        kept = torch.isfinite(scores[0])
        cases.append({"temperature": temperature, "top_k": top_k, "top_p": top_p, "logits": logits.tolist(),
                      "kept": kept.nonzero()[:, 0].tolist(),
                      "scores": [float(x) if ok else None for x, ok in zip(scores[0].tolist(), kept.tolist())]})
    return cases


TL_NATIVE = ROOT / "Fixtures" / "tl-native"
TL_NATIVE_PROMPT = 4


def tl_greedy(directory: Path, ids: list[int] | None = None) -> dict:
    """TransformerLens 2.16.1's greedy generate on the state dict under `directory/tl` (raw), from
    `ids`, or from TL_NATIVE_PROMPT seeded ids when none are given."""
    import dataclasses

    from importlib.metadata import version

    from safetensors.torch import load_file
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    known = {field.name for field in dataclasses.fields(HookedTransformerConfig)}
    # generate() wants a tokenizer even for token input: the fixtures' BPE one. 2.16.1 builds each
    # step's attention mask from a tensor of zeros compared with the pad id, so the pad token must
    # not be id 0 (the mask would hide every position and shift learned positions).
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_file=str(ROOT / "Fixtures" / "tokenizers" / "bpe" / "tokenizer.json"),
        bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    tokenizer.pad_token = tokenizer.convert_ids_to_tokens(1)
    raw = json.loads((directory / "tl" / "raw.cfg.json").read_text())
    fields = {key: value for key, value in raw.items() if key in known}
    fields.update(dtype=torch.float32, tokenizer_name=None, device="cpu")
    model = HookedTransformer(HookedTransformerConfig(**fields))
    model.tokenizer = tokenizer
    model.load_state_dict(load_file(directory / "tl" / "raw.safetensors"), strict=False)
    if ids is None:
        generator = torch.Generator().manual_seed(18)
        ids = torch.randint(0, min(model.cfg.d_vocab, 400), (1, TL_NATIVE_PROMPT), generator=generator)[0].tolist()
    out = model.generate(torch.tensor([ids]), max_new_tokens=MAX_NEW_TOKENS, do_sample=False, stop_at_eos=False,
                         verbose=False)
    case = {"name": directory.name, "transformer_lens": version("transformer-lens"),
            "input_ids": ids, "new_ids": out[0, len(ids):].tolist()}
    print(f"{directory.parent.name}/{directory.name}: {case['new_ids']}", file=sys.stderr)
    return case


def tl_native_cases() -> list[dict]:
    return [tl_greedy(directory)
            for directory in sorted(p for p in TL_NATIVE.iterdir() if (p / "tl" / "raw.cfg.json").is_file())]


def remote_code_case(directory: Path) -> dict:
    """A family transformers has no class for: TransformerLens's greedy generate, from the prompt
    when transformers reads the tokenizer (tokenizer.json), else from seeded ids."""
    if not (directory / "tokenizer.json").is_file():
        return tl_greedy(directory)
    case = tl_greedy(directory, prompt_ids(directory))
    case["prompt"] = PROMPT
    return case


def is_encoder(directory: Path) -> bool:
    config = json.loads((directory / "config.json").read_text())
    return bool(config.get("is_encoder_decoder")) or config.get("model_type") == "bert"


def is_remote_code(directory: Path) -> bool:
    return not hasattr(transformers, json.loads((directory / "config.json").read_text())["architectures"][0])


def saved_by_transformers5(directory: Path) -> bool:
    return json.loads((directory / "config.json").read_text()).get("transformers_version", "").startswith("5.")


def run_case(directory: Path) -> dict:
    model, architecture = load(directory)
    ids = prompt_ids(directory)
    new_ids = greedy(model, ids)
    print(f"{directory.name}: {len(new_ids)} new tokens {new_ids}", file=sys.stderr)
    return {"name": directory.name, "architecture": architecture, "transformers": transformers.__version__,
            "input_ids": ids, "new_ids": new_ids, "eos_token_id": model.generation_config.eos_token_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transformers5-python", default=str(ROOT / "tools" / ".venv-tl3" / "bin" / "python"))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)  # cases to run here, printed as JSON
    args = parser.parse_args()
    if args.worker:
        print(json.dumps([run_case(MODELS / name) for name in args.worker]))
        return
    cases = []
    eos_runs = []
    directories = sorted(p for p in MODELS.iterdir() if (p / "config.json").is_file() and not is_encoder(p))
    remote = [d for d in directories if is_remote_code(d)]
    directories = [d for d in directories if d not in remote]
    newer = [d.name for d in directories if saved_by_transformers5(d)]
    if newer:
        worker = subprocess.run([args.transformers5_python, __file__, "--worker", *newer],
                                check=True, stdout=subprocess.PIPE, text=True)
        from_worker = {case["name"]: case for case in json.loads(worker.stdout)}
    for directory in directories:
        if directory.name in newer:
            cases.append(from_worker[directory.name])
            continue
        cases.append(run_case(directory))
        ids, new_ids = cases[-1]["input_ids"], cases[-1]["new_ids"]
        if directory.name == EOS_CASE:
            model, _ = load(directory)
            j = first_repeat_free_index(new_ids)
            stop = new_ids[j]
            unused = next(t for t in range(model.config.vocab_size) if t not in new_ids and t != 0)
            for eos in (stop, [unused, stop]):
                eos_runs.append({"name": directory.name, "input_ids": ids, "eos_token_id": eos,
                                 "new_ids": greedy(model, ids, eos_token_id=eos)})
    document = {
        "generator": "tools/make_generate_fixtures.py",
        "versions": {"transformers": sorted({case["transformers"] for case in cases}), "torch": torch.__version__.split("+")[0]},
        "prompt": PROMPT,
        "max_new_tokens": MAX_NEW_TOKENS,
        "cases": cases,
        "eos_overrides": eos_runs,
        "remote_code": [remote_code_case(directory) for directory in remote],
        "tl_native": tl_native_cases(),
        "warpers": warper_cases(),
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
