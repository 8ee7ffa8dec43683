#!/usr/bin/env python
"""Write Fixtures/generate/greedy.json: transformers' greedy generate on every decoder fixture.

For each model directory under Fixtures/models (the multimodal ones on text-only input), the
fixed prompt is tokenized as TransformerLens's to_tokens does (BOS, then the text without
special tokens) and `generate(do_sample=False, max_new_tokens=12)` runs in float32 with eager
attention; the file records the prompt ids and the new ids. Generation stops at the model's EOS
as transformers decides it (generation_config.json). Two more runs of one model pass an
`eos_token_id` (an id, then a list) that the greedy continuation reaches, so a test can check
that generation stops there as transformers stops.

    tools/.venv/bin/python tools/make_generate_fixtures.py

Deterministic (greedy, one torch thread); ~20 s on 2 cores.
"""

from __future__ import annotations

import json
import os
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
    return model.eval(), architecture


def prompt_ids(directory: Path) -> list[int]:
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    return [bos] + tokenizer(PROMPT, add_special_tokens=False)["input_ids"]


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


def main() -> None:
    cases = []
    eos_runs = []
    for directory in sorted(p for p in MODELS.iterdir() if (p / "config.json").is_file()):
        model, architecture = load(directory)
        ids = prompt_ids(directory)
        new_ids = greedy(model, ids)
        generation = model.generation_config
        cases.append({"name": directory.name, "architecture": architecture, "input_ids": ids, "new_ids": new_ids,
                      "eos_token_id": generation.eos_token_id})
        print(f"{directory.name}: {len(new_ids)} new tokens {new_ids}")
        if directory.name == EOS_CASE:
            j = first_repeat_free_index(new_ids)
            stop = new_ids[j]
            unused = next(t for t in range(model.config.vocab_size) if t not in new_ids and t != 0)
            for eos in (stop, [unused, stop]):
                eos_runs.append({"name": directory.name, "input_ids": ids, "eos_token_id": eos,
                                 "new_ids": greedy(model, ids, eos_token_id=eos)})
    document = {
        "generator": "tools/make_generate_fixtures.py",
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__.split("+")[0]},
        "prompt": PROMPT,
        "max_new_tokens": MAX_NEW_TOKENS,
        "cases": cases,
        "eos_overrides": eos_runs,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
