#!/usr/bin/env python
"""Rebuild Fixtures/: tiny checkpoints of every family and their reference outputs.

Every file under Fixtures/ is written here by the real libraries (transformers,
TransformerLens 2.16.1, safetensors, torch, tokenizers, numpy). Fixed seeds make a
second run produce byte-identical tensors.

    tools/.venv/bin/python tools/make_fixtures.py              # everything
    tools/.venv/bin/python tools/make_fixtures.py --only gpt2  # one case (repeatable)
    tools/.venv/bin/python tools/make_fixtures.py --only containers --only tokenizers --only caches

See Fixtures/README.md for what each file holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_caches  # noqa: E402
import fixture_containers  # noqa: E402
import fixture_readme  # noqa: E402
import fixture_tokenizers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Fixtures"
MODELS = FIXTURES / "models"

TL_AGREEMENT = 1e-4  # max |Δ log-prob| under which TL's logits count as agreeing with Hugging Face
SEQ_LEN = 16
BATCH = 2
TOKENIZER_VOCAB = 400  # fixture_tokenizers.train_bpe; every model's vocab_size is >= this
BOS = "<|endoftext|>"

torch.set_num_threads(1)  # one thread: reductions happen in a fixed order
torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def jsonable(value: Any) -> Any:
    """cfg.to_dict() values as JSON: torch dtypes by name, anything else non-JSON stringified."""
    if isinstance(value, torch.dtype):
        return str(value).removeprefix("torch.")
    if isinstance(value, torch.device):
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


@torch.no_grad()
def perturb(model: torch.nn.Module, seed: int) -> None:
    """Move every parameter off its init value so a wrong fold or a swapped tensor shows.

    1-D tensors (norm weights, biases) get + N(0, 0.1); matrices get + N(0, 0.05) so the
    tiny models produce peaked, position-dependent distributions.
    """
    gen = torch.Generator().manual_seed(seed + 1000)
    for _, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        std = 0.1 if p.dim() == 1 else 0.05
        p.add_(torch.randn(p.shape, generator=gen, dtype=torch.float32).to(p.dtype) * std)


def input_ids_for(seed: int, vocab: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed + 2000)
    return torch.randint(0, vocab, (BATCH, SEQ_LEN), generator=gen, dtype=torch.int64)


# --------------------------------------------------------------------------------------------
# The byte-level BPE tokenizer every model directory carries
# --------------------------------------------------------------------------------------------

def corpus() -> list[str]:
    """A deterministic English-ish corpus with digits, punctuation and some non-ASCII."""
    words = ("the model layer norm weight bias attention head query key value residual stream "
             "token embedding unembed logits rotary position window expert router gate hidden "
             "transformer lens hooked convert verify tensor shape float half brain cache prompt "
             "and of to in is that for it with as on by this we are be not or from").split()
    extra = ["naïve café", "über straße", "日本語 テキスト", "emoji 🙂 👍", "x = 3.14159", "i += 42;",
             "tabs\tand\nnewlines", "    indented code", "CamelCase snake_case kebab-case"]
    rng = np.random.default_rng(1234)
    lines = []
    for i in range(3000):
        n = int(rng.integers(4, 14))
        line = " ".join(words[int(j)] for j in rng.integers(0, len(words), n))
        if i % 7 == 0:
            line = line.capitalize() + "."
        if i % 11 == 0:
            line += f" {int(rng.integers(0, 10000))}"
        if i % 13 == 0:
            line += " " + extra[int(rng.integers(0, len(extra)))]
        lines.append(line)
    return lines


_BPE_CACHE: list[Tokenizer] = []


def model_tokenizer() -> Tokenizer:
    if not _BPE_CACHE:
        _BPE_CACHE.append(fixture_tokenizers.train_bpe(corpus()))
    return _BPE_CACHE[0]


def save_model_tokenizer(directory: Path) -> None:
    """tokenizer.json + vocab.json/merges.txt (a GPT-2 style tokenizer, slow and fast loadable)."""
    fast = transformers.GPT2TokenizerFast(tokenizer_object=Tokenizer.from_str(model_tokenizer().to_str()),
                                          bos_token=BOS, eos_token=BOS, unk_token=BOS)
    fast.model_max_length = 2048
    fast.save_pretrained(str(directory))


# --------------------------------------------------------------------------------------------
# Families: each builds a transformers config (tiny, exercising its quirks)
# --------------------------------------------------------------------------------------------

V = TOKENIZER_VOCAB


def gpt2_config() -> transformers.PretrainedConfig:
    # n_ctx is not a GPT2Config field but the real gpt2 config.json has it and TL reads it.
    return transformers.GPT2Config(vocab_size=V, n_positions=64, n_ctx=64, n_embd=32, n_layer=2,
                                   n_head=4, activation_function="gelu_new",
                                   bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def neo_config():
    return transformers.GPTNeoConfig(vocab_size=V, max_position_embeddings=64, hidden_size=32,
                                     num_layers=2, num_heads=4, attention_types=[[["global", "local"], 1]],
                                     window_size=6, activation_function="gelu_new",
                                     bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def gptj_config():
    return transformers.GPTJConfig(vocab_size=V, n_positions=64, n_embd=32, n_layer=2, n_head=4,
                                   rotary_dim=4, activation_function="gelu_new", tie_word_embeddings=False,
                                   bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def neox_config():
    # vocab padded beyond the tokenizer, as Pythia pads 50277 -> 50304
    return transformers.GPTNeoXConfig(vocab_size=416, max_position_embeddings=64, hidden_size=32,
                                      num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                      rotary_pct=0.5, use_parallel_residual=True, hidden_act="gelu",
                                      tie_word_embeddings=False, bos_token_id=0, eos_token_id=0,
                                      initializer_range=0.1)


def opt_config():
    return transformers.OPTConfig(vocab_size=V, max_position_embeddings=64, hidden_size=32,
                                  num_hidden_layers=2, num_attention_heads=4, ffn_dim=64,
                                  word_embed_proj_dim=32, do_layer_norm_before=True, activation_function="relu",
                                  enable_bias=True, bos_token_id=0, eos_token_id=0, pad_token_id=1,
                                  init_std=0.1)


def bloom_config():
    # 6 heads: not a power of two, so the alibi slopes take the interleaved extra branch
    return transformers.BloomConfig(vocab_size=V, hidden_size=48, n_layer=2, n_head=6,
                                    bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def lam_gqa_config():
    return transformers.LlamaConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                    rope_theta=500000.0, rms_norm_eps=1e-5, tie_word_embeddings=False,
                                    bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def mistral_config():
    return transformers.MistralConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                      sliding_window=6, rope_theta=10000.0, tie_word_embeddings=False,
                                      bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def mixtral_config():
    return transformers.MixtralConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                      num_local_experts=4, num_experts_per_tok=2, sliding_window=None,
                                      rope_theta=10000.0, tie_word_embeddings=False,
                                      bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def qwen2_config():
    return transformers.Qwen2Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                    rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False,
                                    bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def qwen3_config():
    return transformers.Qwen3Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                    max_position_embeddings=64, rope_theta=1000000.0, tie_word_embeddings=False,
                                    use_sliding_window=False, bos_token_id=0, eos_token_id=0,
                                    initializer_range=0.1)


def phi_config():
    return transformers.PhiConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                  num_attention_heads=4, max_position_embeddings=64, partial_rotary_factor=0.5,
                                  hidden_act="gelu_new", tie_word_embeddings=False,
                                  bos_token_id=0, eos_token_id=0, initializer_range=0.1)


def phi3_config():
    return transformers.Phi3Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64,
                                   original_max_position_embeddings=64, tie_word_embeddings=False,
                                   sliding_window=None, bos_token_id=0, eos_token_id=0, pad_token_id=0,
                                   initializer_range=0.1)


def gem_config():
    return transformers.GemmaConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                                    max_position_embeddings=64, hidden_activation="gelu_pytorch_tanh",
                                    bos_token_id=0, eos_token_id=0, pad_token_id=0, initializer_range=0.1)


def gem2_config():
    return transformers.Gemma2Config(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                     num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                     max_position_embeddings=64, hidden_activation="gelu_pytorch_tanh",
                                     query_pre_attn_scalar=12, sliding_window=6,
                                     attn_logit_softcapping=2.0, final_logit_softcapping=3.0,
                                     bos_token_id=0, eos_token_id=0, pad_token_id=0, initializer_range=0.1)


def gemma3_config():
    # Mixed layers: sliding (window 6, rope base 10k) / full (rope base 1e6) / sliding.
    # query_pre_attn_scalar = head_dim, as in every Gemma 3 but 27B (TL scales by sqrt(d_head)).
    return transformers.Gemma3TextConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                         num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                         max_position_embeddings=64, hidden_activation="gelu_pytorch_tanh",
                                         query_pre_attn_scalar=8, sliding_window=6,
                                         layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                                         rope_theta=1000000.0, rope_local_base_freq=10000.0,
                                         bos_token_id=0, eos_token_id=0, pad_token_id=0, initializer_range=0.1)


def gemma3_tl_cfg(hf, tl_convert=None, architecture: str = "Gemma3ForCausalLM") -> dict:
    """TransformerLens 2.18 hard-codes Gemma 3 configs by hub name (google/gemma-3-*); this is its
    entry's shape filled with the tiny model's sizes, so its own weight conversion and processing run."""
    return {
        "d_model": hf.hidden_size, "d_head": hf.head_dim, "n_heads": hf.num_attention_heads,
        "d_mlp": hf.intermediate_size, "n_layers": hf.num_hidden_layers,
        "n_ctx": min(hf.max_position_embeddings, 8192), "eps": hf.rms_norm_eps, "d_vocab": hf.vocab_size,
        "act_fn": "gelu_pytorch_tanh", "initializer_range": hf.initializer_range, "normalization_type": "RMS",
        "rotary_base": hf.rope_theta, "rotary_base_local": hf.rope_local_base_freq,
        "positional_embedding_type": "rotary", "use_attn_scale": True,
        "n_key_value_heads": hf.num_key_value_heads, "gated_mlp": True, "final_rms": True,
        "use_normalization_before_and_after": True, "use_qk_norm": True, "window_size": hf.sliding_window,
        "use_local_attn": True,
        "attn_types": ["local" if t == "sliding_attention" else "global" for t in hf.layer_types],
        "original_architecture": architecture, "tokenizer_name": None,
    }


def gemma3_mm_tl_cfg(hf, tl_convert=None) -> dict:
    # TransformerLens 2.18 names the multimodal checkpoints' architecture Gemma3ForConditionalGeneration.
    return gemma3_tl_cfg(hf.get_text_config(), architecture="Gemma3ForConditionalGeneration")


def apertus_config():
    # Real Apertus configs carry `qk_norm: true` (TransformerLens 2.18 reads it; transformers always
    # normalises q and k). Llama 3 rope scaling with a small original context so it bites.
    return transformers.ApertusConfig(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                      rope_theta=12000000.0, rms_norm_eps=1e-5, tie_word_embeddings=False,
                                      rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
                                      qk_norm=True, bos_token_id=0, eos_token_id=0, pad_token_id=0,
                                      initializer_range=0.1)


def gptoss_config():
    # Layers sliding(6)/full/sliding (the class's alternation), attention sinks, biases everywhere,
    # 4 experts top-2, head_dim 16 != hidden/heads 8, and the class's default YaRN (factor 32,
    # beta 32/1, truncate false, original context 4096) so pairs fall on both sides of the ramp.
    return transformers.GptOssConfig(vocab_size=V, hidden_size=32, intermediate_size=16, num_hidden_layers=3,
                                     num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                     num_local_experts=4, num_experts_per_tok=2, sliding_window=6,
                                     max_position_embeddings=64, rope_theta=150000.0, rms_norm_eps=1e-5,
                                     tie_word_embeddings=False, bos_token_id=0, eos_token_id=0, pad_token_id=1,
                                     initializer_range=0.1)


def gptoss_adjust(model) -> None:
    # Experts' gate/up pre-activations of a few units: the ±7 clamp then bites on some of them.
    with torch.no_grad():
        for layer in model.model.layers:
            layer.mlp.experts.gate_up_proj.mul_(12.0)


def save_gptoss_tokenizer(directory: Path) -> None:
    """The fixture vocabulary behind GPT-OSS's pre-tokenizer (o200k's Split regex, then ByteLevel without
    its own regex), saved as GPT-OSS's tokenizer is: PreTrainedTokenizerFast, tokenizer.json only."""
    from make_tokenizer_cases import O200K_REGEX
    spec = json.loads(model_tokenizer().to_str())
    spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": O200K_REGEX}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(spec)),
                                                bos_token=BOS, eos_token=BOS, pad_token=BOS)
    fast.model_max_length = 2048
    fast.save_pretrained(str(directory))


def gptoss_complete(hf_model, params: dict, cfg: dict) -> None:
    """What TransformerLens 2.18 has no name for, under TransformerLens 3.x's names: the sinks
    (`attn.sinks`, from the Hugging Face model) and YaRN (`use_yarn_rope`, `yarn_*`)."""
    hf = hf_model.config
    for l, layer in enumerate(hf_model.model.layers):
        params[f"blocks.{l}.attn.sinks"] = layer.self_attn.sinks.detach().to(torch.float32).contiguous().clone()
    cfg["use_attention_sinks"] = True
    rope = hf.rope_scaling or {}
    if rope.get("rope_type") == "yarn":
        factor = float(rope["factor"])
        attention = rope.get("attention_factor")
        cfg.update(use_yarn_rope=True, yarn_factor=factor,
                   yarn_attention_factor=float(attention if attention is not None
                                               else (0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0)),
                   yarn_beta_fast=float(rope.get("beta_fast") or 32.0), yarn_beta_slow=float(rope.get("beta_slow") or 1.0),
                   yarn_original_max_position_embeddings=int(rope.get("original_max_position_embeddings")
                                                             or hf.max_position_embeddings),
                   yarn_truncate=bool(rope.get("truncate", True)), yarn_global_attn_only=False)


IMAGE_TOKEN = V - 1  # inside the vocabulary: text-only inputs never need pixel values


def llava_config():
    # A tiny CLIP tower (2 layers: LLaVA reads the second to last) around lam-gqa's kind of LLaMA.
    vision = transformers.CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                           num_attention_heads=2, image_size=8, patch_size=4)
    text = dict(model_type="llama", vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5,
                tie_word_embeddings=False, bos_token_id=0, eos_token_id=0, initializer_range=0.1)
    return transformers.LlavaConfig(vision_config=vision.to_dict(), text_config=text,
                                    image_token_index=IMAGE_TOKEN, tie_word_embeddings=False)


def gemma3_mm_config():
    vision = transformers.SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                             num_attention_heads=2, image_size=8, patch_size=4)
    return transformers.Gemma3Config(vision_config=vision.to_dict(), text_config=gemma3_config().to_dict(),
                                     mm_tokens_per_image=4, image_token_index=IMAGE_TOKEN,
                                     boi_token_index=V - 3, eoi_token_index=V - 2)


def llava_language_model(model):
    """What the notebook hands TransformerLens as hf_model: the wrapper's LLaMA as a LlamaForCausalLM."""
    lm = transformers.LlamaForCausalLM(model.config.text_config)
    lm.model = model.model.language_model
    lm.lm_head = model.lm_head
    return lm.eval()


def tl_cfg_of_language_model(hf, tl_convert) -> dict:
    """TransformerLens's own config derivation, on the language model's config saved alone."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        text = hf.get_text_config()
        text.architectures = ["LlamaForCausalLM"]
        text.save_pretrained(tmp)
        return tl_convert(tmp)


# --------------------------------------------------------------------------------------------
# The table of cases
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    family: str
    config: Callable[[], transformers.PretrainedConfig]
    seed: int
    quirks: str
    rotary: bool = False
    gqa: bool = False
    variant: str = "safetensors"   # safetensors | hub | bin | sharded | f16 | bf16
    tl: bool = True                # TransformerLens references
    refactor: bool = False         # refactor_factored_attn_matrices (TL asserts on rotary)
    tl_processed_broken: bool = False
    tl_wrong_cfg: dict | None = None
    notes: str = ""
    tl_release: str = "2.16.1"     # the transformer-lens the references need (Gemma 3: 2.18.0, its first)
    tl_cfg: Callable[[Any, Callable], dict] | None = None  # (hf config, TL's own derivation) -> TL's cfg dict
    wrapper: Any = None            # a multimodal class (transformers) whose language model TL gets
    tl_hf_model: Callable[[Any], Any] | None = None  # the model TL is handed as hf_model
    adjust: Callable[[Any], None] | None = None  # a family's change after perturbation (GPT-OSS: clamp-sized experts)
    tl_complete: Callable[[Any, dict, dict], None] | None = None  # (hf model, TL params, TL cfg): what TL cannot name
    save_tokenizer: Callable[[Path], None] | None = None  # the family's tokenizer layout (default: save_model_tokenizer)


GPT2_QUIRKS = "LayerNorm, learned positions, Conv1D (transposed) weights, fused c_attn, tied embeddings, gelu_new"
GPT2_SHARED = "same weights as gpt2 (seed 1)"

CASES: list[Case] = [
    Case("gpt2", "gpt2", gpt2_config, 1, GPT2_QUIRKS, refactor=True),
    Case("gpt2-hub", "gpt2", gpt2_config, 1, "hub layout: no `transformer.` prefix, no lm_head, "
         "h.N.attn.bias mask buffers, written by hand", variant="hub", refactor=True, notes=GPT2_SHARED),
    Case("gpt2-bin", "gpt2", gpt2_config, 1, "pytorch_model.bin (torch.save zip)", variant="bin",
         refactor=True, notes=GPT2_SHARED),
    Case("gpt2-sharded", "gpt2", gpt2_config, 1, "3+ safetensors shards + model.safetensors.index.json",
         variant="sharded", refactor=True, notes=GPT2_SHARED),
    Case("gpt2-f16", "gpt2", gpt2_config, 1, "float16 checkpoint", variant="f16", refactor=True,
         notes=GPT2_SHARED + ", stored as float16; references computed from the float16 values in float32"),
    Case("gpt2-bf16", "gpt2", gpt2_config, 1, "bfloat16 checkpoint", variant="bf16", refactor=True,
         notes=GPT2_SHARED + ", stored as bfloat16; references computed from the bfloat16 values in float32"),
    Case("neo", "neo", neo_config, 2, "alternating global/local attention, window 6 < 16, no attention "
         "scaling, no q/k/v biases, tied embeddings", refactor=True),
    Case("gptj", "gptj", gptj_config, 3, "rotary_dim 4 < head_dim 8, adjacent-pair rotary, parallel "
         "attn+MLP, one LayerNorm, no q/k/v/o biases, untied lm_head with bias", rotary=True),
    Case("neox", "neox", neox_config, 4, "rotary_pct 0.5 (4 of 8 dims), halves rotary, fused "
         "per-head interleaved qkv, parallel residual, untied, vocab 416 padded past the tokenizer",
         rotary=True),
    Case("opt", "opt", opt_config, 5, "learned positions offset by 2, pre-LN, relu, biases everywhere, "
         "tied embeddings", refactor=True),
    Case("bloom", "bloom", bloom_config, 6, "alibi with 6 heads (not a power of two), embedding LayerNorm, "
         "fused per-head interleaved qkv, gelu (tanh), tied embeddings", refactor=True,
         notes="TransformerLens 2.16.1 computes alibi slopes 2^(-8(i+1)/n) for every head count; Hugging Face "
               "(like the ALiBi paper) uses the closest power of two plus interleaved extra slopes when n is not "
               "a power of two, so TL's logits differ for 6 heads (they agree for 4 or 8). TL weights are right."),
    Case("lam-gqa", "llama", lam_gqa_config, 7, "LLaMA: RMSNorm, gated silu MLP, GQA 4 query / 2 kv heads, "
         "rope_theta 500000, untied, no biases", rotary=True, gqa=True,
         tl_wrong_cfg={"rotary_base": 500000.0},
         notes="TransformerLens 2.16.1 ignores rope_theta for generic LLaMA (uses 10000): its logits differ"),
    Case("mistral", "mistral", mistral_config, 8, "GQA 4/2, sliding_window 6 < 16 on every layer, "
         "gated silu, untied", rotary=True, gqa=True),
    Case("mixtral", "mixtral", mixtral_config, 9, "mixture of 4 experts, top-2 routing (renormalised), "
         "GQA 4/2, untied", rotary=True, gqa=True, tl_processed_broken=True,
         notes="TransformerLens 2.16.1 renormalises the top-k weights as Hugging Face does (raw agrees), but "
               "with fold_ln it skips the fold on MoE yet builds an RMSPre model without the norm weights, so "
               "its fold_ln/defaults references (weights, cfg and logits) are wrong"),
    Case("qwen2", "qwen2", qwen2_config, 10, "q/k/v biases (no o bias), GQA 4/2, rope_theta 1e6, tied "
         "embeddings", rotary=True, gqa=True),
    Case("qwen3", "qwen3", qwen3_config, 11, "head_dim 16 != hidden/heads 8, q/k RMS norm per head, GQA "
         "4/2, no biases, untied", rotary=True, gqa=True),
    Case("phi", "phi", phi_config, 12, "partial_rotary_factor 0.5 (4 of 8 dims), LayerNorm, parallel "
         "attn+MLP, biases everywhere, untied lm_head with bias", rotary=True),
    Case("phi3", "phi3", phi3_config, 13, "fused qkv_proj and gate_up_proj, RMSNorm, gated silu, untied, "
         "no biases", rotary=True),
    Case("gem", "gemma", gem_config, 14, "Gemma: RMSNorm with (1 + w), embedding scaled by sqrt(d_model), "
         "head_dim 16 != hidden/heads 8, multi-query (1 kv head), gelu_pytorch_tanh gated MLP, tied", rotary=True, gqa=True, tl=False,
         notes="TransformerLens 2.16.1 hard-codes Gemma configs by hub name; a local path cannot be loaded"),
    Case("gem2", "gemma2", gem2_config, 15, "Gemma 2: 3 layers alternating sliding(6)/full attention, "
         "attention soft-cap 2, final logit soft-cap 3, query_pre_attn_scalar 12, pre+post norms, "
         "(1 + w) RMSNorm, embedding scale, GQA 4/2, tied", rotary=True, gqa=True, tl=False,
         notes="TransformerLens 2.16.1 hard-codes Gemma 2 configs by hub name; a local path cannot be loaded"),
    Case("gemma3", "gemma3", gemma3_config, 16, "Gemma 3 text: 3 layers sliding(6)/full/sliding, local rope "
         "base 1e4 vs global 1e6, q/k RMS norm (1 + w) per head, pre+post norms, no soft-caps, "
         "query_pre_attn_scalar 8, embedding scale, GQA 4/2, tied", rotary=True, gqa=True,
         tl_release="2.18.0", tl_cfg=gemma3_tl_cfg,
         notes="TransformerLens 2.18.0 hard-codes Gemma 3 configs by hub name; its references come from its "
               "own weight conversion and processing over a cfg shaped as its hard-coded entries"),
    Case("llava", "llava", llava_config, 17, "LlavaForConditionalGeneration: a 2-layer CLIP tower and projector "
         "(left out) around a LLaMA (GQA 4/2, untied); saved by save_pretrained: language_model.model.* + "
         "language_model.lm_head.*", rotary=True, gqa=True, wrapper="LlavaForConditionalGeneration",
         tl_cfg=tl_cfg_of_language_model, tl_hf_model=llava_language_model,
         notes="references: the whole model's logits on text-only input; TransformerLens given the language "
               "model as hf_model (a LlamaForCausalLM of the wrapper's modules), as the LLaVA notebook does"),
    Case("llava-lm-prefix", "llava", llava_config, 17, "llava's weights in the other layout transformers writes: "
         "model.language_model.* + lm_head.* (+ model.vision_tower.*, model.multi_modal_projector.*)",
         rotary=True, gqa=True, variant="lm-prefix", wrapper="LlavaForConditionalGeneration",
         tl_cfg=tl_cfg_of_language_model, tl_hf_model=llava_language_model, notes="same weights as llava (seed 17)"),
    Case("gemma3-mm", "gemma3", gemma3_mm_config, 18, "Gemma3ForConditionalGeneration: a 1-layer SigLIP tower and "
         "projector (left out) around gemma3's kind of text model (tied); saved by save_pretrained",
         rotary=True, gqa=True, wrapper="Gemma3ForConditionalGeneration", tl_release="2.18.0",
         tl_cfg=gemma3_mm_tl_cfg,
         notes="references: the whole model's logits on text-only input; TransformerLens 2.18.0's Gemma 3 "
               "conversion of the multimodal model (it reads the language model) over its hard-coded cfg shape"),
    Case("apertus", "apertus", apertus_config, 19, "Apertus: xIELU activation (per-layer alpha_p/alpha_n, "
         "bfloat16 in transformers), q/k RMS norm per head, ungated MLP, llama3 rope scaling (factor 8, "
         "original context 16), rope_theta 1.2e7, GQA 4/2, untied", rotary=True, gqa=True, tl_release="2.18.0",
         notes="TransformerLens 2.18.0 computes xIELU's coefficients in float32 from the bfloat16 parameters; "
               "transformers keeps them in bfloat16 (softplus and beta + softplus rounded to bfloat16)"),
    Case("gptoss", "gpt_oss", gptoss_config, 21, "GPT-OSS: 3 layers sliding(6)/full/sliding, attention sinks, "
         "q/k/v/o biases, GQA 4/2, head_dim 16, 4 clamped-SwiGLU experts (limit 7, alpha 1.702, (up + 1)) with "
         "biases, top-2 over a biased router, interleaved gate_up_proj, YaRN (factor 32, beta 32/1, truncate "
         "false), untied; GPT-OSS's pre-tokenizer (o200k regex) over the fixture vocabulary", rotary=True, gqa=True, tl_release="2.18.0", tl_processed_broken=True,
         tl_wrong_cfg={"use_local_attn": True, "window_size": 6, "attn_types": ["local", "global", "local"]},
         adjust=gptoss_adjust, tl_complete=gptoss_complete, save_tokenizer=save_gptoss_tokenizer,
         notes="TransformerLens 2.18.0 ignores the sinks, YaRN and the sliding window (its logits differ from "
               "Hugging Face); its references are completed with what it has no name for, under TransformerLens "
               "3.x's names (attn.sinks from the Hugging Face model, use_attention_sinks, use_yarn_rope and "
               "yarn_*). With fold_ln it skips the fold on MoE yet builds an RMSPre model without the norm "
               "weights, so its fold_ln/defaults references are wrong"),
]
CASE_BY_NAME = {c.name: c for c in CASES}


# --------------------------------------------------------------------------------------------
# Building and saving one checkpoint
# --------------------------------------------------------------------------------------------

def build_model(case: Case) -> transformers.PreTrainedModel:
    config = case.config()
    config._attn_implementation = "eager"
    torch.manual_seed(case.seed)
    if case.wrapper:
        model = getattr(transformers, case.wrapper)(config).to(torch.float32)
    else:
        model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager",
                                                              torch_dtype=torch.float32)
    model.eval()
    perturb(model, case.seed)
    if case.adjust:
        case.adjust(model)
    if getattr(model.config, "tie_word_embeddings", False) and hasattr(model, "tie_weights"):
        model.tie_weights()
    return model


def save_checkpoint(case: Case, model: transformers.PreTrainedModel, directory: Path) -> None:
    if case.variant == "safetensors":
        model.save_pretrained(str(directory))
    elif case.variant == "bin":
        model.save_pretrained(str(directory), safe_serialization=False)
    elif case.variant == "sharded":
        model.save_pretrained(str(directory), max_shard_size="60KB")
    elif case.variant == "f16":
        model.to(torch.float16).save_pretrained(str(directory))
        model.to(torch.float32)
    elif case.variant == "bf16":
        model.to(torch.bfloat16).save_pretrained(str(directory))
        model.to(torch.float32)
    elif case.variant == "hub":
        save_gpt2_hub_layout(model, directory)
    elif case.variant == "lm-prefix":
        save_in_memory_layout(model, directory)
    else:
        raise ValueError(case.variant)
    (case.save_tokenizer or save_model_tokenizer)(directory)


def save_in_memory_layout(model, directory: Path) -> None:
    """A wrapper's tensors under its in-memory names (model.language_model.*, lm_head.*), as
    transformers releases after 4.57 save them; 4.57's save_pretrained writes the older layout."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(str(directory))


def save_gpt2_hub_layout(model: transformers.GPT2LMHeadModel, directory: Path) -> None:
    """The layout of the real `gpt2` repo's model.safetensors: GPT2Model keys, no lm_head, mask buffers."""
    directory.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    tensors = {}
    for name, tensor in model.transformer.state_dict().items():
        tensors[name] = tensor.detach().clone().contiguous()
    mask = torch.tril(torch.ones(cfg.n_positions, cfg.n_positions, dtype=torch.float32))
    for layer in range(cfg.n_layer):
        tensors[f"h.{layer}.attn.bias"] = mask.view(1, 1, cfg.n_positions, cfg.n_positions).clone()
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})
    hub = cfg.to_dict()
    hub["architectures"] = ["GPT2LMHeadModel"]
    for key in ("torch_dtype", "dtype", "transformers_version", "_attn_implementation_autoset"):
        hub.pop(key, None)
    write_json(directory / "config.json", hub)


# --------------------------------------------------------------------------------------------
# References: Hugging Face logits and TransformerLens state dicts
# --------------------------------------------------------------------------------------------

def load_hf(directory: Path, case: Case | None = None) -> transformers.PreTrainedModel:
    loader = getattr(transformers, case.wrapper) if case and case.wrapper else transformers.AutoModelForCausalLM
    model = loader.from_pretrained(str(directory), torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return model


@torch.no_grad()
def hf_logits(model: transformers.PreTrainedModel, input_ids: torch.Tensor) -> torch.Tensor:
    return model(input_ids=input_ids).logits.float().contiguous()


PROCESSINGS = {
    "raw": dict(fold_ln=False, center_writing_weights=False, center_unembed=False,
                fold_value_biases=False, refactor_factored_attn_matrices=False),
    "fold_ln": dict(fold_ln=True, center_writing_weights=False, center_unembed=False,
                    fold_value_biases=False, refactor_factored_attn_matrices=False),
    "defaults": dict(fold_ln=True, center_writing_weights=True, center_unembed=True,
                     fold_value_biases=True, refactor_factored_attn_matrices=False),
    "refactor": dict(fold_ln=False, center_writing_weights=False, center_unembed=False,
                     fold_value_biases=False, refactor_factored_attn_matrices=True),
}


def tl_model(case: Case, hf_model, proc: str, cfg_overrides: dict | None = None):
    """What HookedTransformer.from_pretrained does, for a local directory (it rejects paths itself).

    cfg_overrides patches the TransformerLens config before the model is built (used only to
    show that a recorded TL config bug explains its disagreement with Hugging Face).
    """
    from transformer_lens import HookedTransformer, loading

    flags = dict(PROCESSINGS[proc])
    # Paths are relative to Fixtures/models so cfg.model_name / tokenizer_name are the case name.
    original = loading.convert_hf_model_config
    if case.tl_cfg:
        loading.convert_hf_model_config = lambda name, **kw: dict(case.tl_cfg(hf_model.config, original),
                                                                  tokenizer_name=name)
    if case.tl_hf_model:
        hf_model = case.tl_hf_model(hf_model)
    try:
        cfg = loading.get_pretrained_model_config(case.name, hf_cfg=hf_model.config.get_text_config().to_dict(),
                                                  fold_ln=flags["fold_ln"], device="cpu",
                                                  dtype=torch.float32)
    finally:
        loading.convert_hf_model_config = original
    for key, value in (cfg_overrides or {}).items():
        setattr(cfg, key, value)
    if flags["center_unembed"] and cfg.output_logits_soft_cap > 0.0:
        flags["center_unembed"] = False  # as from_pretrained does
    state_dict = loading.get_pretrained_state_dict(case.name, cfg, hf_model, dtype=torch.float32)
    model = HookedTransformer(cfg, move_to_device=False)
    model.load_and_process_state_dict(state_dict, **flags)
    model.eval()
    return model


def tl_cfg_json(model) -> dict:
    d = jsonable(model.cfg.to_dict())
    d["dtype"] = "float32"
    d["device"] = None
    return d


def max_dlogprob(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((torch.log_softmax(a.double(), -1) - torch.log_softmax(b.double(), -1)).abs().max())


def tl_references(case: Case, hf_model, input_ids: torch.Tensor, hf: torch.Tensor, directory: Path) -> dict:
    out = directory / "tl"
    out.mkdir(parents=True, exist_ok=True)
    deltas = {}
    cwd = os.getcwd()
    os.chdir(MODELS)
    try:
        for proc in PROCESSINGS:
            if proc == "refactor" and not case.refactor:
                continue
            model = tl_model(case, hf_model, proc)
            params = {k: v.detach().to(torch.float32).contiguous().clone()
                      for k, v in model.named_parameters()}
            cfg = tl_cfg_json(model)
            if case.tl_complete:
                case.tl_complete(hf_model, params, cfg)
            save_file(params, str(out / f"{proc}.safetensors"))
            write_json(out / f"{proc}.cfg.json", cfg)
            with torch.no_grad():
                logits = model(input_ids, return_type="logits").float().contiguous()
            save_file({"input_ids": input_ids.clone(), "logits": logits}, str(out / f"{proc}.logits.safetensors"))
            deltas[proc] = max_dlogprob(logits, hf)
            del model
        if case.tl_wrong_cfg:
            fixed = tl_model(case, hf_model, "raw", case.tl_wrong_cfg)
            with torch.no_grad():
                deltas["raw_with_tl_wrong_cfg_fixed"] = max_dlogprob(fixed(input_ids, return_type="logits"), hf)
    finally:
        os.chdir(cwd)
    return deltas


def make_case(case: Case) -> dict:
    directory = MODELS / case.name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    model = build_model(case)
    save_checkpoint(case, model, directory)
    del model

    hf_model = load_hf(directory, case)
    vocab = min(hf_model.config.get_text_config().vocab_size, model_tokenizer().get_vocab_size())
    input_ids = input_ids_for(case.seed, vocab)
    logits = hf_logits(hf_model, input_ids)
    save_file({"input_ids": input_ids.clone(), "logits": logits}, str(directory / "hf_logits.safetensors"))

    deltas = tl_references(case, hf_model, input_ids, logits, directory) if case.tl else {}
    result = {"name": case.name, "tl_vs_hf_max_abs_dlogprob": deltas}
    print(f"{case.name}: " + (", ".join(f"{k} {v:.2e}" for k, v in deltas.items()) or "HF only"), flush=True)
    return result


# --------------------------------------------------------------------------------------------
# Manifest and README
# --------------------------------------------------------------------------------------------

def weight_files(directory: Path) -> list[str]:
    names = sorted(p.name for p in directory.iterdir()
                   if p.name.endswith((".safetensors", ".bin")) and p.name != "hf_logits.safetensors")
    return names


def manifest_entry(case: Case, deltas: dict) -> dict:
    directory = MODELS / case.name
    config = json.loads((directory / "config.json").read_text())
    entry = {
        "name": case.name,
        "family": case.family,
        "architecture": config["architectures"][0],
        "variant": case.variant,
        "weights": weight_files(directory),
        "tl_references": case.tl,
        "tl_processings": [p for p in PROCESSINGS if case.tl and (p != "refactor" or case.refactor)],
        "tl_processed_broken": case.tl_processed_broken,
        "rotary": case.rotary,
        "gqa": case.gqa,
        "quirks": case.quirks,
        "notes": case.notes,
        "seed": case.seed,
        "vocab_size": config.get("text_config", config)["vocab_size"],
        "tokenizer_vocab_size": model_tokenizer().get_vocab_size(),
        "tl_vs_hf_max_abs_dlogprob": deltas,
        "transformer_lens": case.tl_release,
        "tl_logits_match_hf": bool(case.tl and deltas and max(
            v for k, v in deltas.items() if k in PROCESSINGS) <= TL_AGREEMENT),
    }
    if case.tl_wrong_cfg:
        entry["tl_wrong_cfg"] = case.tl_wrong_cfg
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[],
                        help="a case name, or containers / tokenizers / caches / docs (repeatable)")
    args = parser.parse_args(argv)
    extras = {"containers", "tokenizers", "caches", "docs"}
    unknown = [o for o in args.only if o not in CASE_BY_NAME and o not in extras]
    if unknown:
        parser.error(f"unknown --only {unknown}; cases: {sorted(CASE_BY_NAME)}")
    wanted = set(args.only)
    everything = not wanted

    FIXTURES.mkdir(exist_ok=True)
    results_path = FIXTURES / "manifest.json"
    previous = {}
    foreign = []  # cases another generator (its `generator` field) owns: kept as they are
    if results_path.exists():
        entries = json.loads(results_path.read_text()).get("cases", [])
        previous = {c["name"]: c.get("tl_vs_hf_max_abs_dlogprob", {}) for c in entries}
        foreign = [c for c in entries if "generator" in c and c["name"] not in CASE_BY_NAME]

    deltas = dict(previous)
    for case in CASES:
        if not (everything or case.name in wanted):
            continue
        if case.tl and case.tl_release != _tl_version():
            if everything:
                print(f"{case.name}: skipped (needs transformer-lens {case.tl_release}: --only {case.name})")
                continue
            parser.error(f"{case.name} needs transformer-lens {case.tl_release} (tools/.venv-tl218), "
                         f"not {_tl_version()}")
        deltas[case.name] = make_case(case)["tl_vs_hf_max_abs_dlogprob"]

    if everything or "containers" in wanted:
        fixture_containers.make_containers(FIXTURES, [c for c in CASES if (MODELS / c.name).exists()])
    if everything or "tokenizers" in wanted:
        fixture_tokenizers.make_tokenizers(FIXTURES, corpus())
    if everything or "caches" in wanted:
        fixture_caches.make_caches(FIXTURES, [CASE_BY_NAME["gpt2"], CASE_BY_NAME["lam-gqa"]],
                                   tl_model, load_hf, max_dlogprob)

    cases = [manifest_entry(c, deltas.get(c.name, {})) for c in CASES if (MODELS / c.name).exists()] + foreign
    # transformer_lens: the release most cases use; a case needing another names it (tl_release).
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "transformer_lens": "2.16.1", "numpy": np.__version__}
    write_json(results_path, {"cases": cases, "input_shape": [BATCH, SEQ_LEN],
                              "tl_processings": list(PROCESSINGS),
                              "generator": "tools/make_fixtures.py", "versions": versions})
    fixture_readme.write_readme(FIXTURES, cases, versions)
    return 0


def _tl_version() -> str:
    from importlib.metadata import version
    return version("transformer-lens")


if __name__ == "__main__":
    sys.exit(main())
