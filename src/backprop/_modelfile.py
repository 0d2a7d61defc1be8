"""Low-level pieces of the model file format used by :mod:`backprop.io`:
entry names, the checksum, JSON conversion and header validation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import ConfigError


def array_entry(key: str) -> str:
    """Archive entry name of the array stored under ``key``."""
    return f"arrays/{key}.npy"


def checksum(entries: dict[str, bytes]) -> str:
    """SHA-256 (hex) over the entries in name order, each as name, NUL, 8-byte length, bytes."""
    h = hashlib.sha256()
    for name in sorted(entries):
        data = entries[name]
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def json_safe(obj: Any, where: str = "header") -> Any:
    """``obj`` with NumPy scalars/arrays and tuples turned into JSON types; ConfigError otherwise."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [json_safe(v, where) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ConfigError(f"cannot save {where}: dictionary keys must be strings, got {k!r}")
            out[k] = json_safe(v, f"{where}.{k}")
        return out
    raise ConfigError(f"cannot save {where}: {type(obj).__name__} values are not JSON-serialisable; "
                      "use numbers, strings, lists and dicts")


def _fail(err: type, path: Path, msg: str) -> None:
    raise err(f"{path}: {msg}")


def decode_header(data: bytes | None, path: Path, fmt: str, version: int, err: type) -> dict:
    """Parse and validate the JSON header; raises ``err`` with one line on any problem."""
    if data is None:
        _fail(err, path, f"not a backprop model file (no {fmt}.json entry in the archive)")
    try:
        header = json.loads(data.decode("utf-8"))
    except Exception:
        _fail(err, path, "the header is not valid UTF-8 JSON")
    if not isinstance(header, dict) or header.get("format") != fmt:
        _fail(err, path, f"not a backprop model file (the header's format is not {fmt!r})")
    v = header.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        _fail(err, path, f"unknown format version {v!r}; this backprop reads version {version}")
    if v > version:
        _fail(err, path, f"format version {v} is newer than this backprop supports ({version}); "
                         "upgrade backprop to load it")
    _check_structure(header, path, err)
    return header


_TYPES = {"network": dict, "task": str, "arrays": dict, "preprocessing": list,
          "history": dict, "metadata": dict, "loss": str}


def _check_structure(header: dict, path: Path, err: type) -> None:
    for key, kind in _TYPES.items():
        if not isinstance(header.get(key), kind):
            _fail(err, path, f"the header's {key!r} entry is missing or not a {kind.__name__}")
    net = header["network"]
    sizes, acts = net.get("layer_sizes"), net.get("activations")
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes)):
        _fail(err, path, f"invalid layer sizes {sizes!r} in the header")
    if not isinstance(acts, list) or len(acts) != len(sizes) - 1 or not all(isinstance(a, str) for a in acts):
        _fail(err, path, f"invalid activations {acts!r} for layer sizes {sizes}")
    if net.get("dtype") not in ("float32", "float64"):
        _fail(err, path, f"invalid network dtype {net.get('dtype')!r}; expected float32 or float64")
    n_params = sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:]))
    meta = header["arrays"].get(net.get("params"))
    if not isinstance(meta, dict) or meta.get("shape") != [n_params]:
        shape = meta.get("shape") if isinstance(meta, dict) else None
        _fail(err, path, f"the architecture {sizes} needs {n_params} parameters, "
                         f"the file holds shape {shape}")
    for key, meta in header["arrays"].items():
        if (not isinstance(meta, dict) or not isinstance(meta.get("dtype"), str)
                or not isinstance(meta.get("shape"), list)):
            _fail(err, path, f"invalid entry {key!r} in the header's array table")
    for entry in header["preprocessing"] + [header.get("target_transform") or {"name": ""}]:
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                or not isinstance(entry.get("config", {}), dict)
                or not isinstance(entry.get("arrays", {}), dict)
                or not all(v in header["arrays"] for v in entry.get("arrays", {}).values())):
            _fail(err, path, "invalid transformer entry in the header")
