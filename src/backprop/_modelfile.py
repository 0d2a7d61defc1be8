"""The model file format's pieces used by :mod:`backprop.io`: names and limits, the checksum,
JSON conversion, and the checks of the header that come before any array is read."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import BackpropError, ConfigError

FORMAT = "backprop-model"
FORMAT_VERSION = 1
HEADER = "backprop-model.json"
CHECKSUM = "checksum.sha256"
MAX_ENTRIES = 4096               # archive entries (a model has one per array, plus two)
MAX_HEADER_BYTES = 4 << 20       # the JSON header ...
MAX_HEADER_VALUES = 400_000      # ... and the JSON values in it (each becomes a Python object)
NPY_HEADER_MAX = 4096            # bytes of .npy header allowed before an array's data
KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_ENTRY = re.compile(r"^arrays/(.+)\.npy$")
_DTYPE = re.compile(r"^[<>|=]?([biufc][0-9]+|[SU][0-9]+)$")   # numbers and text, never objects


class ModelFileError(BackpropError, ValueError):
    """A file that cannot be loaded as a backprop model (not a model, corrupt, unsupported)."""


def fail(path: Path, msg: str) -> None:
    """Raise ModelFileError ``PATH: msg``."""
    raise ModelFileError(f"{path}: {msg}")


def array_entry(key: str) -> str:
    """Archive entry name of the array stored under ``key``."""
    return f"arrays/{key}.npy"


def entry_key(name: str) -> str | None:
    """The array key of an entry name, or None if the format does not name such an entry."""
    m = _ENTRY.match(name)
    return m.group(1) if m and KEY.match(m.group(1)) else None


# --- the checksum ----------------------------------------------------------------
def frame(h: Any, name: str, size: int) -> None:
    """Feed an entry's name, a NUL byte and its 8-byte length to the hash ``h`` (its bytes follow)."""
    h.update(name.encode("utf-8", "surrogateescape") + b"\0")
    h.update(size.to_bytes(8, "little"))


def checksum(entries: dict[str, bytes]) -> str:
    """SHA-256 (hex) over the entries in name order, each as name, NUL, 8-byte length, bytes."""
    h = hashlib.sha256()
    for name in sorted(entries):
        frame(h, name, len(entries[name]))
        h.update(entries[name])
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


def header_bytes(header: dict) -> bytes:
    """The header as written; ConfigError if a reader would refuse it as too large."""
    safe = json_safe(header)
    data = json.dumps(safe, indent=1, sort_keys=True).encode()
    n = _n_values(data)
    if len(data) > MAX_HEADER_BYTES or n > MAX_HEADER_VALUES:
        big = max(("history", "metadata", "feature_names", "classes"),
                  key=lambda k: len(json.dumps(safe[k])))
        raise ConfigError(f"cannot save: the model file's header would be {describe(len(data))} with "
                          f"{n} JSON values (at most {describe(MAX_HEADER_BYTES)} and "
                          f"{MAX_HEADER_VALUES}); most of it is the model's {big}: shorten it")
    return data


def _n_values(data: bytes) -> int:
    """An upper bound on the JSON values in ``data``: each follows ``[``, ``{``, ``,`` or ``:``."""
    return 1 + sum(data.count(c) for c in (b"[", b"{", b",", b":"))


# --- the header ------------------------------------------------------------------
@dataclass(frozen=True)
class ArraySpec:
    """What the header's array table says about one array."""

    dtype: np.dtype
    shape: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def decode_header(data: bytes, path: Path) -> dict:
    """Parse and check the JSON header (its size, format, version and structure)."""
    if _n_values(data) > MAX_HEADER_VALUES:
        fail(path, f"the header holds more than {MAX_HEADER_VALUES} JSON values; not a model file")
    try:
        header = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        fail(path, "the header is not valid UTF-8 JSON")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        fail(path, f"not a backprop model file (the header's format is not {FORMAT!r})")
    v = header.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        fail(path, f"unknown format version {short(repr(v))}; this backprop reads version "
                   f"{FORMAT_VERSION}")
    if v > FORMAT_VERSION:
        fail(path, f"format version {v} is newer than this backprop supports ({FORMAT_VERSION}); "
                   "upgrade backprop to load it")
    _check_structure(header, path)
    return header


_TYPES = {"network": dict, "task": str, "arrays": dict, "preprocessing": list,
          "history": dict, "metadata": dict, "loss": str}


def _is_int(v: Any, low: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _check_structure(header: dict, path: Path) -> None:
    for key, kind in _TYPES.items():
        if not isinstance(header.get(key), kind):
            fail(path, f"the header's {short(repr(key))} entry is missing or not a {kind.__name__}")
    net = header["network"]
    sizes, acts = net.get("layer_sizes"), net.get("activations")
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(_is_int(n, 1) for n in sizes):
        fail(path, f"invalid layer sizes {short(repr(sizes))} in the header")
    if (not isinstance(acts, list) or len(acts) != len(sizes) - 1
            or not all(isinstance(a, str) for a in acts)):
        fail(path, f"invalid activations {short(repr(acts))} for layer sizes {short(str(sizes))}")
    if net.get("dtype") not in ("float32", "float64"):
        fail(path, f"invalid network dtype {short(repr(net.get('dtype')))}; expected float32 or float64")
    if not isinstance(net.get("init", "uniform"), str):
        fail(path, f"invalid network init {short(repr(net.get('init')))}; expected a name")
    n_params = sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:]))
    if not isinstance(net.get("params"), str):
        fail(path, f"the header's network.params must be an array key, got "
                   f"{short(repr(net.get('params')))}")
    meta = header["arrays"].get(net["params"])
    if not isinstance(meta, dict) or meta.get("shape") != [n_params]:
        shape = meta.get("shape") if isinstance(meta, dict) else None
        fail(path, f"the architecture {short(str(sizes))} needs {n_params} parameters, the file "
                   f"holds shape {short(repr(shape))}")
    if header.get("classes") is not None and not isinstance(header["classes"], list):
        fail(path, f"the header's 'classes' must be a list, got {short(repr(header['classes']))}")
    names = header.get("feature_names")      # Model checks the rest (labels: strings or numbers)
    if names is not None and not (isinstance(names, list) and all(isinstance(c, str) for c in names)):
        fail(path, f"the header's 'feature_names' must be a list of strings, got {short(repr(names))}")
    steps = [(f"preprocessing[{i}]", e) for i, e in enumerate(header["preprocessing"])]
    if header.get("target_transform") is not None:
        steps.append(("target_transform", header["target_transform"]))
    used = {net["params"]}
    for where, entry in steps:
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                or not isinstance(entry.get("config", {}), dict)
                or not isinstance(entry.get("arrays", {}), dict)
                or not all(isinstance(v, str) and v in header["arrays"]
                           for v in entry.get("arrays", {}).values())):
            fail(path, f"invalid transformer entry {where} in the header")
        used.update(entry.get("arrays", {}).values())
    unused = sorted(set(header["arrays"]) - used)
    if unused:
        fail(path, f"the header's array table lists {short(repr(unused[0]))}, which nothing uses")


def short(text: str, n: int = 80) -> str:
    """``text`` cut to ``n`` characters (file contents quoted in one-line messages)."""
    return text if len(text) <= n else text[:n] + "..."


def array_specs(header: dict, path: Path) -> dict[str, ArraySpec]:
    """The header's array table, checked: numeric or text dtypes, shapes of non-negative sizes."""
    specs = {}
    for key, meta in header["arrays"].items():
        dtype, shape = (meta.get("dtype"), meta.get("shape")) if isinstance(meta, dict) else (None, None)
        if (not KEY.match(key) or not isinstance(dtype, str) or not _DTYPE.match(dtype)
                or not isinstance(shape, list) or len(shape) > 32 or not all(_is_int(n) for n in shape)):
            fail(path, f"invalid entry {short(repr(key))} in the header's array table")
        try:
            spec = ArraySpec(np.dtype(dtype), tuple(shape))
        except (TypeError, ValueError, OverflowError):   # a size numpy does not know: "u3"
            spec = None
        if spec is None or spec.dtype.itemsize == 0:
            fail(path, f"invalid entry {short(repr(key))} in the header's array table (dtype {dtype})")
        specs[key] = spec
    params = specs[header["network"]["params"]]
    if params.dtype.newbyteorder("=") != np.dtype(header["network"]["dtype"]):
        fail(path, f"the parameters are stored as {params.dtype.str}, but the network's dtype is "
                   f"{header['network']['dtype']}")
    return specs


def expected_size(spec: ArraySpec) -> tuple[int, int]:
    """The smallest and largest entry size a ``.npy`` file of ``spec`` can have."""
    return spec.nbytes + 10, spec.nbytes + NPY_HEADER_MAX


def describe(nbytes: int) -> str:
    """A byte count for people: ``1.5 GiB``."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"

