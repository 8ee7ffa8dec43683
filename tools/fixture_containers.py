"""Fixtures/containers/: tensor listings written by the real libraries, and sample files.

Each listing `<file-id>.json` is {"file", "format", "tensors": [{"name", "dtype", "shape"}]}:
- safetensors files: `safetensors.safe_open` (names in its order, dtype as safetensors spells it);
- sharded checkpoints: the index's shards opened the same way, tensors of all shards together;
- `.bin`/`.pt`: `torch.load(weights_only=True)` (dict order), torch dtypes mapped to safetensors names,
  plus "strides" and "storage_offset" of each tensor as torch reports them;
- `.npy`/`.npz`: numpy (`np.load`), plus "fortran_order".
Sample files next to the listings exercise the readers: `.npy`, `.npz` stored and deflated,
and a `torch.save` dict with views, offsets and shared storage. For each sample a
`<sample>.values.safetensors` holds the same tensors, contiguous, written by safetensors,
so a reader's values (not only its listing) can be checked.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

TORCH_TO_ST = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}
NUMPY_TO_ST = {
    "float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
    "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
}
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------
# Listings
# ---------------------------------------------------------------------------------------------

def list_safetensors(path: Path) -> list[dict]:
    tensors = []
    with safe_open(str(path), framework="numpy") as f:
        for name in f.keys():
            sl = f.get_slice(name)
            tensors.append({"name": name, "dtype": sl.get_dtype(), "shape": list(sl.get_shape())})
    return tensors


def list_torch(path: Path) -> list[dict]:
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    tensors = []
    for name, t in state.items():
        tensors.append({"name": name, "dtype": TORCH_TO_ST[t.dtype], "shape": list(t.shape),
                        "strides": list(t.stride()), "storage_offset": t.storage_offset()})
    return tensors


def _numpy_entry(name: str, a: np.ndarray) -> dict:
    return {"name": name, "dtype": NUMPY_TO_ST[a.dtype.name], "shape": list(a.shape),
            "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous)}


def list_npy(path: Path) -> list[dict]:
    return [_numpy_entry(path.stem, np.load(str(path), allow_pickle=False))]


def list_npz(path: Path) -> list[dict]:
    with np.load(str(path), allow_pickle=False) as z:
        return [_numpy_entry(name, z[name]) for name in z.files]


def write_listing(containers: Path, fixtures: Path, file_id: str, path: Path, fmt: str) -> None:
    if fmt == "safetensors":
        tensors = list_safetensors(path)
    elif fmt == "safetensors-index":
        index = json.loads(path.read_text())
        tensors = []
        for shard in sorted(set(index["weight_map"].values())):
            tensors.extend(list_safetensors(path.parent / shard))
    elif fmt == "torch":
        tensors = list_torch(path)
    elif fmt == "npy":
        tensors = list_npy(path)
    elif fmt == "npz":
        tensors = list_npz(path)
    else:
        raise ValueError(fmt)
    _write_json(containers / f"{file_id}.json",
                {"file": str(path.relative_to(fixtures)), "format": fmt, "tensors": tensors})


# ---------------------------------------------------------------------------------------------
# Sample files
# ---------------------------------------------------------------------------------------------

def _sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    return {
        "f32": rng.standard_normal((3, 5)).astype(np.float32),
        "f16": rng.standard_normal((4, 2)).astype(np.float16),
        "i64": np.arange(-6, 6, dtype=np.int64).reshape(2, 6),
        "mask": (rng.random(7) > 0.5),
        "scalar": np.array(3.25, dtype=np.float64),
        "fortran": np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)),
        "u8": np.arange(10, dtype=np.uint8),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray], compression: int) -> None:
    """Exactly what np.savez / np.savez_compressed write (numpy's array format inside a zip64-forced
    archive), but with a fixed member timestamp so the file is byte-identical run to run."""
    with zipfile.ZipFile(str(path), mode="w", compression=compression, allowZip64=True) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=FIXED_ZIP_TIME)
            info.compress_type = compression
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _sample_torch_dict() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=gen)
    shared = torch.arange(24, dtype=torch.float32)
    return {
        "f32": torch.randn(2, 3, generator=gen),
        "f16": torch.randn(3, 2, generator=gen).to(torch.float16),
        "bf16": torch.randn(5, generator=gen).to(torch.bfloat16),
        "i64": torch.arange(-4, 8, dtype=torch.int64).reshape(3, 4),
        "mask": torch.tensor([True, False, True, True, False]),
        "transposed": base.t(),                       # strides (1, 6): not contiguous
        "sliced": base[1:3, 2:5],                     # storage offset 8, strides (6, 1)
        "shared_a": shared.view(4, 6),                # these two share one storage
        "shared_b": shared[6:18].view(3, 4),          # ... at offset 6
        "scalar": torch.tensor(2.5),
    }


def write_samples(containers: Path) -> list[tuple[str, Path, str]]:
    out = []
    arrays = _sample_arrays()

    npy = containers / "sample.npy"
    np.save(str(npy), arrays["f32"], allow_pickle=False)
    save_file({"sample": torch.from_numpy(arrays["f32"].copy())}, str(containers / "sample.npy.values.safetensors"))
    out.append(("sample-npy", npy, "npy"))

    npy_f = containers / "sample_fortran.npy"
    np.save(str(npy_f), arrays["fortran"], allow_pickle=False)
    save_file({"sample_fortran": torch.from_numpy(np.ascontiguousarray(arrays["fortran"]))},
              str(containers / "sample_fortran.npy.values.safetensors"))
    out.append(("sample-fortran-npy", npy_f, "npy"))

    values = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    for stem, compression, file_id in (("sample_stored", zipfile.ZIP_STORED, "sample-stored-npz"),
                                       ("sample_deflated", zipfile.ZIP_DEFLATED, "sample-deflated-npz")):
        path = containers / f"{stem}.npz"
        write_npz(path, arrays, compression)
        save_file(values, str(containers / f"{stem}.npz.values.safetensors"))
        out.append((file_id, path, "npz"))

    pt = containers / "sample.pt"
    tensors = _sample_torch_dict()
    torch.save(tensors, str(pt))
    save_file({k: v.contiguous().clone() for k, v in tensors.items()}, str(containers / "sample.pt.values.safetensors"))
    out.append(("sample-pt", pt, "torch"))
    return out


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

def make_containers(fixtures: Path, cases) -> None:
    containers = fixtures / "containers"
    for old in containers.glob("*") if containers.exists() else []:
        old.unlink()
    containers.mkdir(parents=True, exist_ok=True)

    for case in cases:
        directory = fixtures / "models" / case.name
        for path in sorted(directory.iterdir()):
            name = path.name
            if name.endswith(".safetensors") and name != "hf_logits.safetensors":
                write_listing(containers, fixtures, f"{case.name}.{name}", path, "safetensors")
            elif name.endswith(".bin"):
                write_listing(containers, fixtures, f"{case.name}.{name}", path, "torch")
            elif name.endswith(".safetensors.index.json"):
                write_listing(containers, fixtures, f"{case.name}.{name}", path, "safetensors-index")
    # references are containers too: one TL state dict and one logits dump
    write_listing(containers, fixtures, "gpt2.hf_logits.safetensors",
                  fixtures / "models" / "gpt2" / "hf_logits.safetensors", "safetensors")
    write_listing(containers, fixtures, "gpt2.tl.defaults.safetensors",
                  fixtures / "models" / "gpt2" / "tl" / "defaults.safetensors", "safetensors")

    for file_id, path, fmt in write_samples(containers):
        write_listing(containers, fixtures, file_id, path, fmt)
