"""Writes the BERT (HookedEncoder) fixtures: Fixtures/models/bert*/ and Fixtures/caches/bert/.

Cases (same seeded weights in all four; 2 layers, d_model 32, 4 heads, d_mlp 64, 32 positions,
the WordPiece fixture tokenizer with its 405 tokens):
- bert:           a `BertForPreTraining` saved with `save_pretrained` (safetensors) whose config.json
                  names `BertForMaskedLM`, as the real bert-base-cased does.
- bert-gamma:     the same tensors with LayerNorm parameters named `gamma`/`beta` (safetensors).
- bert-gamma-bin: the same as `pytorch_model.bin` (torch.save zip).
- bert-model:     a bare `BertModel` (no `bert.` prefix, no heads; its pooler is kept), as
                  sentence-embedding repos save it.

References (transformers 4.57, eager attention, float32; TransformerLens 2.16.1 driven as
`HookedEncoder.from_pretrained` does for a local directory):
- hf_logits.safetensors: input_ids/attention_mask/token_type_ids [2, 12] (a sentence pair, and a
  single sentence right-padded), `logits` (the MLM head), `nsp_logits` [2, 2]; for bert-model
  `hidden_states` [2, 12, 32] (the final hidden state) instead of the logits.
- tl/raw.safetensors, tl/raw.cfg.json, tl/raw.logits.safetensors (TL's logits on the same input).
- tl/run.json: for the prompt and sentence pair `tlconvert run` is tested with: TL's tokens,
  `return_type="predictions"`, the top-k at each [MASK] position, and BertNextSentencePrediction's
  logits and prediction.
- Fixtures/caches/bert/raw.safetensors + prompt.json: `run_with_cache` on the prompt.

Usage: tools/.venv/bin/python tools/make_bert_fixtures.py   (deterministic: a rerun rewrites identical bytes)
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Fixtures"
MODELS = FIXTURES / "models"
TOKENIZER = FIXTURES / "tokenizers" / "wordpiece" / "tokenizer.json"

PROMPT = "the model [MASK] a test of [MASK] words"
PAIR = ("the model is here", "a test of words")
TOP_K = 5


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def tokenizer():
    from tokenizers import Tokenizer
    from transformers import BertTokenizerFast

    return BertTokenizerFast(tokenizer_object=Tokenizer.from_file(str(TOKENIZER)), unk_token="[UNK]",
                             sep_token="[SEP]", pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]",
                             do_lower_case=True)


def config():
    from transformers import BertConfig

    return BertConfig(vocab_size=405, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=32, type_vocab_size=2,
                      hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0)


def pretraining_model():
    """Seeded, then every parameter perturbed so that a wrong map, swap or fold cannot pass."""
    from transformers import BertForPreTraining

    torch.manual_seed(15)
    model = BertForPreTraining(config()).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * (0.1 if p.dim() == 1 else 0.05))
    return model


def eager(cls, directory: Path):
    return cls.from_pretrained(str(directory), attn_implementation="eager").eval()


def inputs(tok) -> dict:
    pair = tok(PAIR[0], PAIR[1])
    single = tok(PROMPT)
    length = max(len(pair["input_ids"]), len(single["input_ids"]))
    rows = [pair, single]
    ids = torch.zeros(2, length, dtype=torch.int64)
    mask = torch.zeros(2, length, dtype=torch.int64)
    types = torch.zeros(2, length, dtype=torch.int64)
    for r, enc in enumerate(rows):
        n = len(enc["input_ids"])
        ids[r, :n] = torch.tensor(enc["input_ids"])
        mask[r, :n] = 1
        types[r, :n] = torch.tensor(enc["token_type_ids"])
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def keep_rows(batch: dict):
    return batch["attention_mask"].bool()


def save_tokenizer(tok, directory: Path) -> None:
    tok.save_pretrained(str(directory))


def rename_gamma_beta(state: dict) -> dict:
    out = {}
    for name, value in state.items():
        if "LayerNorm.weight" in name:
            name = name.replace("LayerNorm.weight", "LayerNorm.gamma")
        elif "LayerNorm.bias" in name:
            name = name.replace("LayerNorm.bias", "LayerNorm.beta")
        out[name] = value.detach().clone().contiguous()
    return out


def tl_encoder(directory: Path, hf_model, tok):
    """What HookedEncoder.from_pretrained does, for a local directory (it rejects paths itself)."""
    from transformer_lens import HookedEncoder, loading

    cwd = os.getcwd()
    os.chdir(MODELS)  # cfg.model_name / tokenizer_name are the case name
    try:
        cfg = loading.get_pretrained_model_config(directory.name, fold_ln=False, device="cpu",
                                                  n_devices=1, dtype=torch.float32)
        state = loading.get_pretrained_state_dict(directory.name, cfg, hf_model, dtype=torch.float32)
        model = HookedEncoder(cfg, tok, move_to_device=False)
        model.load_state_dict(state, strict=False)
    finally:
        os.chdir(cwd)
    return model.eval()


def jsonable(value):
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def tl_cfg_json(model) -> dict:
    d = jsonable(model.cfg.to_dict())
    d["dtype"] = "float32"
    d["device"] = None
    return d


def max_dlogprob(a, b) -> float:
    return float((torch.log_softmax(a.double(), -1) - torch.log_softmax(b.double(), -1)).abs().max())


def run_reference(model, tok) -> dict:
    """What `tlconvert run` must print: TL's own tokens, predictions and top-k per [MASK]."""
    from transformer_lens import BertNextSentencePrediction

    tokens, types, mask = model.to_tokens(PROMPT)
    with torch.no_grad():
        logits = model(tokens, token_type_ids=types, one_zero_attention_mask=mask)[0]
        predictions = model(PROMPT, return_type="predictions")
    masks = []
    for pos in (tokens[0] == tok.mask_token_id).nonzero().flatten().tolist():
        logprobs = logits[pos].log_softmax(-1)
        top = logprobs.topk(TOP_K)
        masks.append({"position": pos, "top_k": [
            {"id": int(i), "token": tok.convert_ids_to_tokens(int(i)), "prob": float(lp.exp()),
             "logit": float(logits[pos, i])} for lp, i in zip(top.values, top.indices)]})
    nsp = BertNextSentencePrediction(model)
    with torch.no_grad():
        nsp_logits = nsp(list(PAIR), return_type="logits")[0]
        nsp_prediction = nsp(list(PAIR), return_type="predictions")
    pair_tokens, pair_types, _ = nsp.to_tokens(list(PAIR))
    return {"prompt": PROMPT, "input_ids": tokens[0].tolist(), "predictions": predictions, "masks": masks,
            "pair": list(PAIR), "pair_input_ids": pair_tokens[0].tolist(), "pair_type_ids": pair_types[0].tolist(),
            "nsp_logits": [float(x) for x in nsp_logits], "nsp_prediction": nsp_prediction}


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main() -> int:
    from transformers import BertForMaskedLM, BertForPreTraining, BertModel

    torch.set_num_threads(1)
    tok = tokenizer()
    source = pretraining_model()
    batch = inputs(tok)
    summary = {}
    for name in ("bert", "bert-gamma", "bert-gamma-bin", "bert-model"):
        directory = MODELS / name
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
    # bert: BertForPreTraining's tensors, config naming BertForMaskedLM (what TransformerLens reads).
    bert = MODELS / "bert"
    source.save_pretrained(str(bert), safe_serialization=True)
    cfg = json.loads((bert / "config.json").read_text())
    cfg["architectures"] = ["BertForMaskedLM"]
    write_json(bert / "config.json", cfg)
    save_tokenizer(tok, bert)
    state = {k: v.detach().clone().contiguous() for k, v in source.state_dict().items()}
    # The gamma/beta variants: same tensors, the old LayerNorm names.
    for name in ("bert-gamma", "bert-gamma-bin"):
        directory = MODELS / name
        write_json(directory / "config.json", cfg)
        save_tokenizer(tok, directory)
        renamed = rename_gamma_beta(state)
        # The decoder weight is tied to word_embeddings: save_pretrained drops it, so do we.
        renamed.pop("cls.predictions.decoder.weight", None)
        renamed.pop("cls.predictions.decoder.bias", None)
        if name == "bert-gamma":
            save_file(renamed, str(directory / "model.safetensors"), metadata={"format": "pt"})
        else:
            torch.save(renamed, str(directory / "pytorch_model.bin"))
    # bert-model: the bare encoder (+ pooler), no prefix, no heads.
    bare = MODELS / "bert-model"
    source.bert.save_pretrained(str(bare), safe_serialization=True)
    save_tokenizer(tok, bare)

    with torch.no_grad():
        pre = eager(BertForPreTraining, bert)
        out = pre(**batch)
        mlm = eager(BertForMaskedLM, bert)(**batch).logits
        assert torch.equal(mlm, out.prediction_logits), "BertForMaskedLM and BertForPreTraining disagree"
        logits = out.prediction_logits.float().contiguous()
        nsp = out.seq_relationship_logits.float().contiguous()
        for name in ("bert", "bert-gamma", "bert-gamma-bin"):
            reloaded = eager(BertForPreTraining, MODELS / name)(**batch)
            assert torch.equal(reloaded.prediction_logits, out.prediction_logits), name
            save_file(dict(batch, logits=logits, nsp_logits=nsp), str(MODELS / name / "hf_logits.safetensors"))
        hidden = eager(BertModel, bare)(**batch).last_hidden_state.float().contiguous()
        assert torch.allclose(hidden[keep_rows(batch)], pre.bert(**batch).last_hidden_state[keep_rows(batch)])
        save_file(dict(batch, hidden_states=hidden), str(bare / "hf_logits.safetensors"))

    # TransformerLens 2.16.1: weights, config, logits, run and cache references.
    model = tl_encoder(bert, pre, tok)
    tl_dir = bert / "tl"
    tl_dir.mkdir()
    save_file({k: v.detach().float().contiguous().clone() for k, v in model.named_parameters()},
              str(tl_dir / "raw.safetensors"))
    write_json(tl_dir / "raw.cfg.json", tl_cfg_json(model))
    with torch.no_grad():
        tl_logits = model(batch["input_ids"], token_type_ids=batch["token_type_ids"],
                          one_zero_attention_mask=batch["attention_mask"]).float().contiguous()
    save_file(dict(batch, logits=tl_logits), str(tl_dir / "raw.logits.safetensors"))
    keep = batch["attention_mask"].bool()
    summary["tl_vs_hf_max_dlogprob"] = max_dlogprob(tl_logits[keep], logits[keep])
    from transformer_lens import BertNextSentencePrediction

    with torch.no_grad():
        tl_nsp = BertNextSentencePrediction(model)(batch["input_ids"], token_type_ids=batch["token_type_ids"],
                                                   one_zero_attention_mask=batch["attention_mask"])
    summary["tl_vs_hf_nsp_max_abs"] = float((tl_nsp - nsp).abs().max())
    write_json(tl_dir / "run.json", run_reference(model, tok))

    caches = FIXTURES / "caches" / "bert"
    if caches.exists():
        shutil.rmtree(caches)
    caches.mkdir(parents=True)
    with torch.no_grad():
        _, cache = model.run_with_cache(PROMPT)
    save_file({k: v.float().contiguous().clone() for k, v in cache.items()}, str(caches / "raw.safetensors"))
    tokens, types, _ = model.to_tokens(PROMPT)
    write_json(caches / "prompt.json", {"prompt": PROMPT, "input_ids": tokens[0].tolist(),
                                        "token_type_ids": types[0].tolist()})
    import transformer_lens
    import transformers
    summary["versions"] = {"transformers": transformers.__version__, "torch": torch.__version__,
                           "transformer_lens": transformer_lens.__version__ if hasattr(transformer_lens, "__version__")
                           else _dist_version("transformer-lens")}
    write_json(tl_dir / "summary.json", summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
