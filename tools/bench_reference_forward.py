"""One forward pass of transformers or TransformerLens on the token ids of a reference dump,
in float32 as tlconvert computes: the reference side of `tools/bench-verify`.

    bench_reference_forward.py transformers HF_DIR --dump DUMP
    bench_reference_forward.py transformer_lens CONVERTED_DIR --dump DUMP

Prints `load=SECONDS forward=SECONDS` (wall time and peak RSS are measured from outside by
`tlbench measure`). TransformerLens gets the converted directory, built as
tools/load_converted.py builds it but in float32 and without a tokenizer (the synthetic
checkpoints have none).
"""
import argparse
import json
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", choices=["transformers", "transformer_lens"])
    parser.add_argument("model_dir")
    parser.add_argument("--dump", required=True, help="a reference dump holding input_ids")
    args = parser.parse_args()

    import torch
    from safetensors.torch import load_file

    torch.manual_seed(0)
    ids = load_file(args.dump)["input_ids"].long()
    start = time.time()
    if args.library == "transformers":
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(args.model_dir, torch_dtype=torch.float32,
                                                     attn_implementation="eager")
        model.eval()
        loaded = time.time()
        with torch.no_grad():
            model(ids).logits
    else:
        from transformer_lens import HookedTransformer, HookedTransformerConfig

        with open(f"{args.model_dir}/config.json") as f:
            cfg = json.load(f)
        cfg["dtype"] = torch.float32
        model = HookedTransformer(HookedTransformerConfig(**cfg))
        state = load_file(f"{args.model_dir}/model.safetensors")
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        del state
        model.eval()
        loaded = time.time()
        with torch.no_grad():
            model(ids)
    done = time.time()
    print(f"load={loaded - start:.3f} forward={done - loaded:.3f}")


if __name__ == "__main__":
    main()
