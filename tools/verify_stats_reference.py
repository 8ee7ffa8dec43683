#!/usr/bin/env python3
"""Expected values of verify's llama.cpp statistics, computed independently with numpy.

Writes Fixtures/verify-stats/:
  gpt2-padded-perturbed.safetensors  `logits` F32 [2, 30, 400]: Fixtures/dumps/gpt2-padded's logits
                                     plus N(0, 0.3) noise (seed 18); the padded positions hold
                                     large noise instead, so a statistic that counts them shows it
  expected.json                      per comparison, overall and per batch row, every statistic

Two comparisons, reference ‖ ours:
  lam-gqa        models/lam-gqa/hf_logits vs models/lam-gqa/tl/raw.logits (TransformerLens's own
                 logits, wrong rope_theta: a real, small disagreement; no mask)
  gpt2-padded    dumps/gpt2-padded (right padding, attention_mask) vs the perturbed copy above

Definitions (CONTRACT.md, "Reference dumps"): log-softmax in float64 with max subtraction;
KL(ref ‖ ours) per position, clipped at 0 like tlconvert (rounding can leave a tiny negative),
over every unmasked position; p(x) = probability of the next token input_ids[b, t+1] at
position t, over positions t with t and t+1 unmasked; percentiles np.percentile (linear),
medians np.median; same_top_p = argmax agreement (first index on ties) over every unmasked
position. A set with no position gives null.

Numpy only; deterministic (a rerun writes identical bytes). Run from anywhere:
  tools/.venv/bin/python tools/verify_stats_reference.py
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures")
OUT = os.path.join(FIXTURES, "verify-stats")
LADDER = [("p99_9", 99.9), ("p99", 99.0), ("p95", 95.0), ("p90", 90.0),
          ("p10", 10.0), ("p5", 5.0), ("p1", 1.0), ("p0_1", 0.1)]
DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(body[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def log_softmax(logits):
    x = logits.astype(np.float64)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def ladder(prefix, values):
    return {f"{prefix}_{suffix}": float(np.percentile(values, q)) if values.size else None for suffix, q in LADDER}


def statistics(lr, lo, ref_logits, our_logits, ids, mask, rows):
    """The statistics over batch rows `rows` (positions where mask is 1)."""
    keep = mask[rows].astype(bool)
    kl = np.maximum((np.exp(lr[rows]) * (lr[rows] - lo[rows])).sum(axis=-1), 0.0)[keep]
    same = (ref_logits[rows].argmax(axis=-1) == our_logits[rows].argmax(axis=-1))[keep]
    # Position t scores input_ids[t+1]: both unmasked, t+1 inside the row.
    scored = keep[:, :-1] & keep[:, 1:]
    x = ids[rows][:, 1:, None]
    ln_ref = np.take_along_axis(lr[rows][:, :-1], x, axis=-1)[..., 0][scored]
    ln_ours = np.take_along_axis(lo[rows][:, :-1], x, axis=-1)[..., 0][scored]
    dp = np.exp(ln_ours) - np.exp(ln_ref)
    some = ln_ref.size > 0
    out = {
        "positions": int(keep.sum()),
        "token_positions": int(scored.sum()),
        "ppl_ref": float(np.exp(-ln_ref.mean())) if some else None,
        "ppl_ours": float(np.exp(-ln_ours.mean())) if some else None,
        "ln_ppl_ratio": float((ln_ref - ln_ours).mean()) if some else None,
        "kl_mean": float(kl.mean()) if kl.size else None,
        "kl_max": float(kl.max()) if kl.size else None,
        "kl_median": float(np.median(kl)) if kl.size else None,
        "kl_min": float(kl.min()) if kl.size else None,
    }
    out.update(ladder("kl", kl))
    out.update({
        "delta_p_mean": float(dp.mean()) if some else None,
        "delta_p_rms": float(np.sqrt((dp * dp).mean())) if some else None,
        "delta_p_max": float(dp.max()) if some else None,
        "delta_p_min": float(dp.min()) if some else None,
        "delta_p_median": float(np.median(dp)) if some else None,
    })
    out.update(ladder("delta_p", dp))
    out["same_top_p"] = float(same.mean()) if same.size else None
    return out


def compare(reference_path, ours_path):
    reference = read_safetensors(os.path.join(FIXTURES, reference_path))
    ours = read_safetensors(os.path.join(FIXTURES, ours_path))["logits"]
    ids = reference["input_ids"].astype(np.int64)
    mask = reference.get("attention_mask", np.ones(ids.shape, dtype=np.int64))
    ref_logits = reference["logits"]
    lr, lo = log_softmax(ref_logits), log_softmax(ours)
    batch = ids.shape[0]
    return {
        "reference": reference_path,
        "ours": ours_path,
        "overall": statistics(lr, lo, ref_logits, ours, ids, mask, slice(None)),
        "rows": [statistics(lr, lo, ref_logits, ours, ids, mask, slice(b, b + 1)) for b in range(batch)],
    }


def perturbed_padded():
    dump = read_safetensors(os.path.join(FIXTURES, "dumps", "gpt2-padded.safetensors"))
    logits, mask = dump["logits"].astype(np.float64), dump["attention_mask"].astype(bool)
    rng = np.random.default_rng(18)
    noise = rng.normal(0.0, 0.3, size=logits.shape)
    garbage = rng.normal(0.0, 20.0, size=logits.shape)
    ours = np.where(mask[..., None], logits + noise, garbage).astype(np.float32)
    write_safetensors(os.path.join(OUT, "gpt2-padded-perturbed.safetensors"), {"logits": ours},
                      {"producer": "tools/verify_stats_reference.py"})


def main():
    os.makedirs(OUT, exist_ok=True)
    perturbed_padded()
    cases = {
        "lam-gqa": compare("models/lam-gqa/hf_logits.safetensors", "models/lam-gqa/tl/raw.logits.safetensors"),
        "gpt2-padded": compare("dumps/gpt2-padded.safetensors", "verify-stats/gpt2-padded-perturbed.safetensors"),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        f.write(json.dumps({"numpy": np.__version__, "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
