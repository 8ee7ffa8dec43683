#!/usr/bin/env python3
"""TransformerLens's side of tools/bench-convert: what `HookedTransformer.from_pretrained`
does with default processing (fold_ln, center_writing_weights, center_unembed,
fold_value_biases), for a local directory, which from_pretrained itself refuses. Timed by the
caller from process start, so the import of torch/transformers/transformer_lens counts, as it
does for a user. Prints the seconds spent after the imports on stderr.

    tools/.venv/bin/python tools/bench_tl_load.py MODEL_DIR
"""
import sys
import time

start = time.perf_counter()
import torch  # noqa: E402
import transformers  # noqa: E402
from transformer_lens import HookedTransformer, loading  # noqa: E402

imported = time.perf_counter()


def main(directory: str) -> None:
    hf_model = transformers.AutoModelForCausalLM.from_pretrained(directory, torch_dtype=torch.float32)
    cfg = loading.get_pretrained_model_config(directory, hf_cfg=hf_model.config.to_dict(), fold_ln=True,
                                              device="cpu", dtype=torch.float32)
    state_dict = loading.get_pretrained_state_dict(directory, cfg, hf_model, dtype=torch.float32)
    del hf_model
    # The synthetic checkpoints have no tokenizer files (tlconvert copies none either).
    cfg.tokenizer_name = None
    model = HookedTransformer(cfg, move_to_device=False)
    model.load_and_process_state_dict(state_dict, fold_ln=True, center_writing_weights=True,
                                      center_unembed=True, fold_value_biases=True,
                                      refactor_factored_attn_matrices=False)
    done = time.perf_counter()
    print(f"import {imported - start:.2f} s, load+process {done - imported:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
