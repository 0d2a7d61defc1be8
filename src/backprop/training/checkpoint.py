"""Checkpoints: one ``.npz`` file, no pickle, written atomically, checked by SHA-256.

Layout of the archive (``np.load(path, allow_pickle=False)`` reads it):

``__header__``   UTF-8 JSON as a uint8 array: format version, trainer config, history,
                 RNG state (``rng.bit_generator.state``), counters, and the non-array
                 parts of the optimizer and schedule state, with ``{"__array__": key}``
                 where an array sits in the archive
``__sha256__``   hex digest (uint8) over every other entry: name, dtype, shape and bytes, in
                 sorted name order
``params``, ``best_params``, ``train_idx``, ``val_idx``, ``order``, ``opt/...``: arrays

Writing (:func:`backprop._atomic.atomic_write`): to a temporary file in the same
folder, flush + fsync, the old file kept as ``<path>.prev`` (hard link, else
copy), then ``os.replace`` onto ``path`` and an fsync of the folder.  A crash
at any moment leaves either the old or the new complete file at ``path``.
Reading a truncated or altered file raises :class:`CheckpointError` naming
the file and the ``.prev`` fallback.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_write
from .._errors import DataError

__all__ = ["CheckpointError", "save", "load", "encode", "decode", "digest"]

FORMAT = "backprop-checkpoint/1"


class CheckpointError(DataError):
    """A checkpoint file is missing, truncated, altered or from an incompatible run."""


def encode(obj: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """JSON-able form of ``obj``; NumPy arrays and scalars go to ``arrays`` under ``prefix``."""
    if isinstance(obj, (np.ndarray, np.generic)):
        key = f"{prefix}"
        arrays[key] = np.asarray(obj)
        return {"__array__": key, "scalar": isinstance(obj, np.generic)}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("checkpoint dict keys must be strings")
        return {"__dict__": {k: encode(v, arrays, f"{prefix}/{k}") for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [encode(v, arrays, f"{prefix}/{i}") for i, v in enumerate(obj)],
                "tuple": isinstance(obj, tuple)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a checkpoint")


def decode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(obj, dict):
        if "__array__" in obj:
            a = arrays[obj["__array__"]]
            return a[()] if obj.get("scalar") else a.copy()
        if "__dict__" in obj:
            return {k: decode(v, arrays) for k, v in obj["__dict__"].items()}
        if "__list__" in obj:
            items = [decode(v, arrays) for v in obj["__list__"]]
            return tuple(items) if obj.get("tuple") else items
    return obj


def digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over names, dtypes, shapes and bytes, in sorted name order."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(path: str | os.PathLike, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write header + arrays to ``path`` atomically (the previous file becomes ``path.prev``)."""
    path = Path(path)
    entries = dict(arrays)
    entries["__header__"] = np.frombuffer(json.dumps({"format": FORMAT, **header}).encode(), np.uint8)
    entries["__sha256__"] = np.frombuffer(digest(entries).encode(), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, keep_previous=True) as f:
        np.savez(f, **entries)


def load(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(header, arrays)`` of a checkpoint, verified; raises :class:`CheckpointError`."""
    path = Path(path)
    prev = path.with_name(path.name + ".prev")
    hint = f"; the previous checkpoint is {prev}" if prev.exists() else ""
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as e:
        raise CheckpointError(f"checkpoint {path} is truncated or not a checkpoint "
                              f"({type(e).__name__}){hint}") from None
    try:
        stored = arrays.pop("__sha256__").tobytes().decode()
        raw = arrays["__header__"].tobytes().decode()
    except (KeyError, UnicodeDecodeError):
        raise CheckpointError(f"checkpoint {path} has no header or checksum{hint}") from None
    if digest(arrays) != stored:
        raise CheckpointError(f"checkpoint {path} is corrupt (SHA-256 mismatch){hint}")
    header = json.loads(raw)
    if header.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} has format {header.get('format')!r}, "
                              f"expected {FORMAT!r}")
    del arrays["__header__"]
    return header, arrays
