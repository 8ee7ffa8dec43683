#!/usr/bin/env python3
"""Writes Fixtures/models/gptoss-mxfp4: a tiny GPT-OSS checkpoint whose experts are stored
MXFP4-quantized in the Hub's layout (`openai/gpt-oss-20b`), with transformers' logits.

Our own packer (transformers quantizes only with triton kernels): seeded FP4 codes and e8m0
scales written as `*_blocks` [experts, rows, blocks, 16] (two codes a byte, low nibble first) and
`*_scales` [experts, rows, blocks] (exponent + 127), rows being the output features. Then
transformers 4.57.6 loads the directory with `Mxfp4Config(dequantize=True)`: its dequantized
experts must equal what was packed, bit for bit; they are saved (`hf_dequantized.safetensors`, under
transformers' names) with its logits (`hf_logits.safetensors`) and greedy ids (`hf_greedy.json`) as the references.

Run with tools/.venv-tl218/bin/python tools/make_mxfp4_fixture.py (deterministic, ~10 s).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "Fixtures" / "models" / "gptoss"
OUT = ROOT / "Fixtures" / "models" / "gptoss-mxfp4"
# The e2m1 code points, indexed by the 4-bit code (bit 3 is the sign).
FP4 = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0],
               dtype=np.float32)


def pack(rng: np.random.Generator, experts: int, rows: int, cols: int, exponents: range):
    """Seeded blocks and scales for a [experts, rows, cols] weight, and its float32 values
    in the model's orientation [experts, cols, rows]."""
    blocks = rng.integers(0, 256, size=(experts, rows, cols // 32, 16), dtype=np.uint8)
    scales = rng.integers(exponents.start + 127, exponents.stop + 127, size=(experts, rows, cols // 32),
                          dtype=np.uint8)
    codes = np.stack([blocks & 0x0F, blocks >> 4], axis=-1).reshape(experts, rows, cols // 32, 32)
    values = np.ldexp(FP4[codes], scales.astype(np.int32)[..., None] - 127).astype(np.float32)
    return blocks, scales, values.reshape(experts, rows, cols).transpose(0, 2, 1).copy()


def codebook() -> None:
    """Fixtures/mxfp4/codebook.safetensors: every byte under every scale (row r: scale r, bytes
    16r..16r+15 mod 256) and transformers' `convert_moe_packed_tensors` of it (its default bfloat16,
    widened to float32): the unpacking's whole range, 2^-127 and 2^128 (inf, NaN) included."""
    from transformers.integrations.mxfp4 import convert_moe_packed_tensors
    rows = np.arange(256)
    blocks = ((rows[:, None] * 16 + np.arange(16)[None, :]) % 256).astype(np.uint8).reshape(1, 256, 1, 16)
    scales = rows.astype(np.uint8).reshape(1, 256, 1)
    blocks_t, scales_t = torch.from_numpy(blocks), torch.from_numpy(scales)
    dequantized = convert_moe_packed_tensors(blocks_t, scales_t).to(torch.float32).contiguous()
    out = ROOT / "Fixtures" / "mxfp4"
    out.mkdir(exist_ok=True)
    save_file({"blocks": blocks_t, "scales": scales_t, "dequantized": dequantized}, str(out / "codebook.safetensors"))


def main() -> None:
    codebook()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rng = np.random.default_rng(17)
    config = make_fixtures.gptoss_config()
    config.intermediate_size = 32  # MXFP4 blocks 32 values along both projections' inputs
    # More experts (gpt-oss-20b's top-4) than the file has tensors: experts are stacked, not a tensor each.
    config.num_local_experts, config.num_experts_per_tok = 24, 4
    model = transformers.GptOssForCausalLM(config).eval()
    make_fixtures.perturb(model, 21)  # norms, biases and sinks off their initial values
    e, m, f = config.num_local_experts, config.hidden_size, config.intermediate_size
    packed, expected = {}, {}
    with torch.no_grad():
        for l, layer in enumerate(model.model.layers):
            experts = layer.mlp.experts
            # gate_up: rows are the 2·f outputs, blocks run along d_model; down: rows d_model, blocks along f.
            for name, rows, cols, exps in [("gate_up_proj", 2 * f, m, range(-3, 1)), ("down_proj", m, f, range(-5, -2))]:
                blocks, scales, values = pack(rng, e, rows, cols, exps)
                key = f"model.layers.{l}.mlp.experts.{name}"
                packed[key + "_blocks"], packed[key + "_scales"] = torch.from_numpy(blocks), torch.from_numpy(scales)
                expected[key] = torch.from_numpy(values)
                getattr(experts, name).copy_(expected[key])
            for bias in ("gate_up_proj_bias", "down_proj_bias"):
                getattr(experts, bias).normal_(0, 0.1)
    if OUT.exists():
        shutil.rmtree(OUT)
    model.save_pretrained(str(OUT))
    state = load_file(str(OUT / "model.safetensors"))
    for key in expected:
        del state[key]
    state.update(packed)
    save_file(dict(sorted(state.items())), str(OUT / "model.safetensors"), metadata={"format": "pt"})
    cfg = json.loads((OUT / "config.json").read_text())
    # As the Hub file says it: everything but the experts is left in full precision.
    cfg["quantization_config"] = {"quant_method": "mxfp4", "modules_to_not_convert": [
        "model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"]}
    (OUT / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(BASE / name, OUT / name)

    # transformers' own dequantization must give back exactly what was packed.
    loaded = transformers.GptOssForCausalLM.from_pretrained(
        str(OUT), quantization_config=transformers.Mxfp4Config(dequantize=True),
        torch_dtype=torch.float32, attn_implementation="eager").eval()
    dequantized = {}
    for key, values in expected.items():
        l, name = int(key.split(".")[2]), key.rsplit(".", 1)[1]
        got = getattr(loaded.model.layers[l].mlp.experts, name).detach().contiguous()
        assert torch.equal(got.to(torch.float32), values), f"{key}: transformers dequantizes differently"
        dequantized[key] = got  # in transformers' own dtype (bfloat16), which holds every MXFP4 value exactly
    save_file(dequantized, str(OUT / "hf_dequantized.safetensors"))
    loaded = loaded.to(torch.float32)
    input_ids = load_file(str(BASE / "hf_logits.safetensors"))["input_ids"]
    with torch.no_grad():
        logits = loaded(input_ids=input_ids).logits.float().contiguous()
        direct = model(input_ids=input_ids).logits.float()
    assert torch.allclose(logits, direct, atol=1e-5), "dequantized model differs from the packed values' model"
    save_file({"input_ids": input_ids.clone(), "logits": logits}, str(OUT / "hf_logits.safetensors"))
    # transformers' greedy ids, as make_generate_fixtures.py records every fixture, from the dequantized
    # model cast to float32 (transformers leaves dequantized experts bfloat16 beside float32 activations).
    import make_generate_fixtures as generate
    ids = generate.prompt_ids(OUT)
    greedy = {"prompt": generate.PROMPT, "max_new_tokens": generate.MAX_NEW_TOKENS, "name": OUT.name, "architecture": cfg["architectures"][0], "transformers": transformers.__version__,
              "input_ids": ids, "new_ids": generate.greedy(loaded, ids),
              "eos_token_id": loaded.generation_config.eos_token_id}
    (OUT / "hf_greedy.json").write_text(json.dumps(greedy, indent=1) + "\n")
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{OUT.relative_to(ROOT)}: {size} bytes, logits {tuple(logits.shape)}, dequantized experts match bit for bit")


if __name__ == "__main__":
    main()
