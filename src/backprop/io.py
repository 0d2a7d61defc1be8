"""Model files that run no code when loaded (format ``backprop-model``, version 1).

A model file is a zip archive holding

    backprop-model.json     the header: format name and version, architecture,
                            task, classes, preprocessing configs, history, metadata,
                            and the name, dtype and shape of every array
    arrays/<key>.npy        one NumPy ``.npy`` array per key (never object arrays)
    checksum.sha256         SHA-256 over every other entry (name, size and bytes)

Loading never unpickles: arrays are read with ``allow_pickle=False`` after
their dtype has been checked, and the header is JSON.  Every way a file can
be wrong (not a model, truncated, tampered, newer format, a pickle, missing
entries, shapes that do not fit the architecture) raises
:class:`ModelFileError` with one line saying what is wrong.  Files are written
atomically (:mod:`backprop._atomic`: a temporary file in the same directory, fsync,
``os.replace``).
See ``docs/model-files.md``.
"""

from __future__ import annotations

import io as _io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from ._errors import BackpropError, ConfigError
from ._modelfile import array_entry, checksum, decode_header, json_safe
from .model import Model

__all__ = ["save_model", "load_model", "ModelFileError", "register_transformer",
           "transformer_registry", "FORMAT", "FORMAT_VERSION"]

FORMAT = "backprop-model"
FORMAT_VERSION = 1
HEADER = "backprop-model.json"
CHECKSUM = "checksum.sha256"
MAX_ENTRY_BYTES = 1 << 32
MAX_ENTRIES = 10_000
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_LOCAL_TRANSFORMERS: dict[str, type] = {}
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}


class ModelFileError(BackpropError, ValueError):
    """A file that cannot be loaded as a backprop model (not a model, corrupt, unsupported)."""


# --- transformer registry ----------------------------------------------------
def register_transformer(cls: type, name: str | None = None) -> type:
    """Make a transformer class known to :func:`load_model` (usable as a decorator).

    The class must implement ``to_state() -> (config: dict, arrays: dict)``
    and the classmethod ``from_state(config, arrays)``.
    """
    _LOCAL_TRANSFORMERS[name or getattr(cls, "name", None) or cls.__name__] = cls
    return cls


def transformer_registry() -> dict[str, type]:
    """Transformer name -> class: :mod:`backprop.preprocessing` plus registered ones."""
    try:
        from .preprocessing import TRANSFORMERS
    except ModuleNotFoundError as exc:  # before backprop.preprocessing exists
        if exc.name != f"{__package__}.preprocessing":
            raise
        TRANSFORMERS = {}
    return {**TRANSFORMERS, **_LOCAL_TRANSFORMERS}


def _transformer_name(obj: Any) -> str:
    for name, cls in transformer_registry().items():
        if type(obj) is cls:
            return name
    raise ConfigError(f"cannot save transformer {type(obj).__name__}: it is not registered; "
                      "register its class with backprop.io.register_transformer")


# --- saving --------------------------------------------------------------------
def save_model(path: str | os.PathLike, model: Model) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path.

    Either the complete new file replaces ``path`` or, on any failure, the old
    file (if any) is left untouched and no temporary file remains.
    """
    if not isinstance(model, Model):
        raise ConfigError(f"save_model needs a backprop Model, got {type(model).__name__}")
    header, arrays = _encode(model)
    entries = {HEADER: json.dumps(json_safe(header), indent=1, sort_keys=True).encode()}
    for key, a in arrays.items():
        buf = _io.BytesIO()
        np.lib.format.write_array(buf, a, allow_pickle=False)
        entries[array_entry(key)] = buf.getvalue()
    entries[CHECKSUM] = checksum(entries).encode()
    path = Path(path)
    with atomic_write(path) as f:
        with zipfile.ZipFile(f, "w") as zf:
            for name, data in entries.items():
                # a fixed timestamp: the same model always gives the same bytes
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _encode(model: Model) -> tuple[dict, dict[str, np.ndarray]]:
    net = model.network
    arrays: dict[str, np.ndarray] = {"network/params": net.params.copy()}

    def transformer(obj: Any, prefix: str) -> dict:
        name = _transformer_name(obj)
        config, state = obj.to_state()
        names = {}
        for key, a in state.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise ConfigError(f"transformer array names must match {_KEY.pattern}, got {key!r}")
            a = np.asarray(a)
            if a.dtype.hasobject or a.dtype.kind not in "biufcSU":
                raise ConfigError(f"transformer array {key!r} has dtype {a.dtype}; "
                                  "only numeric and string arrays can be saved")
            arrays[f"{prefix}/{key}"] = a
            names[key] = f"{prefix}/{key}"
        return {"name": name, "config": config, "arrays": names}

    header = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "backprop_version": _version(),
        "network": {"layer_sizes": list(net.layer_sizes), "activations": net.activations,
                    "init": net.init if isinstance(net.init, str) else "uniform",
                    "dtype": net.dtype.name, "params": "network/params"},
        "task": model.task, "classes": model.classes, "loss": model.loss,
        "feature_names": model.feature_names,
        "preprocessing": [transformer(t, f"preprocessing/{i}")
                          for i, t in enumerate(model.preprocessing)],
        "target_transform": (None if model.target_transform is None
                             else transformer(model.target_transform, "target_transform")),
        "history": model.history, "metadata": model.metadata,
    }
    header["arrays"] = {k: {"dtype": a.dtype.str, "shape": list(a.shape)} for k, a in arrays.items()}
    return header, arrays


def _version() -> str:
    from . import __version__
    return __version__


# --- loading -------------------------------------------------------------------
def load_model(path: str | os.PathLike) -> Model:
    """Read a model written by :func:`save_model`; runs no code from the file.

    Raises
    ------
    ModelFileError
        The file is not a backprop model, is truncated or tampered with, uses
        a newer format version, holds pickled objects, or does not fit together.
    """
    path = Path(path)
    entries = _read_entries(path)
    try:
        header = decode_header(entries.get(HEADER), path, FORMAT, FORMAT_VERSION, ModelFileError)
        stored = entries.get(CHECKSUM, b"").decode("ascii", "replace").strip()
        if not stored:
            raise ModelFileError(f"{path}: the checksum entry {CHECKSUM} is missing")
        if stored != checksum({k: v for k, v in entries.items() if k != CHECKSUM}):
            raise ModelFileError(f"{path}: checksum mismatch: the file was modified or corrupted")
        arrays = _read_arrays(header, entries, path)
        return _decode(header, arrays, path)
    except ModelFileError:
        raise
    except Exception as exc:  # the header's values did not fit together
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(f"{path}: invalid model file: {msg}") from None


def _read_entries(path: Path) -> dict[str, bytes]:
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:1] == b"\x80":
        raise ModelFileError(f"{path}: this is a Python pickle; backprop model files never "
                             "contain pickles, and loading one could run code: refusing")
    if head != b"PK\x03\x04":
        raise ModelFileError(f"{path}: not a backprop model file (expected a {FORMAT} zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ModelFileError(f"{path}: {len(infos)} entries in the archive; not a model file")
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                raise ModelFileError(f"{path}: duplicate entries in the archive")
            entries = {}
            for info in infos:
                if info.file_size > MAX_ENTRY_BYTES:
                    raise ModelFileError(f"{path}: entry {info.filename!r} is implausibly large")
                entries[info.filename] = zf.read(info)
            return entries
    except ModelFileError:
        raise
    except Exception as exc:  # zipfile signals damage with many types (BadZipFile, zlib.error, EOF...)
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(f"{path}: truncated or corrupt model file ({msg})") from None


def _read_arrays(header: dict, entries: dict[str, bytes], path: Path) -> dict[str, np.ndarray]:
    spec = header.get("arrays")
    if not isinstance(spec, dict):
        raise ModelFileError(f"{path}: the header has no 'arrays' table")
    expected = {array_entry(k) for k in spec}
    extra = sorted(set(entries) - expected - {HEADER, CHECKSUM})
    if extra:
        raise ModelFileError(f"{path}: unexpected entry {extra[0]!r} in the archive")
    arrays = {}
    for key, meta in spec.items():
        data = entries.get(array_entry(key))
        if data is None:
            raise ModelFileError(f"{path}: array entry {array_entry(key)!r} is missing")
        buf = _io.BytesIO(data)
        version = np.lib.format.read_magic(buf)
        if version not in _NPY_HEADERS:
            raise ModelFileError(f"{path}: array {key!r} uses unsupported .npy version {version}")
        _, _, dtype = _NPY_HEADERS[version](buf)
        if dtype.hasobject:
            raise ModelFileError(f"{path}: array {key!r} holds Python objects (a pickle); "
                                 "refusing to load it")
        buf.seek(0)
        a = np.lib.format.read_array(buf, allow_pickle=False)
        if a.dtype.str != meta["dtype"] or list(a.shape) != list(meta["shape"]):
            raise ModelFileError(f"{path}: array {key!r} is {a.dtype.str}{list(a.shape)}, the header "
                                 f"says {meta['dtype']}{list(meta['shape'])}")
        arrays[key] = a
    return arrays


def _decode(header: dict, arrays: dict[str, np.ndarray], path: Path) -> Model:
    from .network import Network

    spec = header["network"]
    net = Network(spec["layer_sizes"], spec["activations"], init=spec.get("init", "uniform"),
                  dtype=np.dtype(spec["dtype"]))
    params = arrays[spec["params"]]
    if params.shape != net.params.shape or params.dtype != net.dtype:
        raise ModelFileError(f"{path}: the parameters are {params.dtype.name}{list(params.shape)}, "
                             f"the architecture {list(net.layer_sizes)} needs "
                             f"{net.dtype.name}[{net.n_params}]")
    net.params[...] = params
    registry = transformer_registry()

    def transformer(entry: dict) -> Any:
        name = entry["name"]
        if name not in registry:
            raise ModelFileError(f"{path}: unknown transformer {name!r}; known: "
                                 f"{', '.join(sorted(registry)) or 'none'}")
        state = {k: arrays[v] for k, v in entry["arrays"].items()}
        return registry[name].from_state(entry["config"], state)

    target = header.get("target_transform")
    return Model(net, task=header["task"], classes=header.get("classes"),
                 loss=header.get("loss", "squared_error"),
                 preprocessing=[transformer(e) for e in header.get("preprocessing", [])],
                 target_transform=None if target is None else transformer(target),
                 feature_names=header.get("feature_names"),
                 history=_check_history(header.get("history", {}), path),
                 metadata=dict(header.get("metadata", {})))


def _check_history(history: Any, path: Path) -> dict[str, list]:
    ok = isinstance(history, dict) and all(
        isinstance(v, list) and all(isinstance(x, (int, float)) for x in v) for v in history.values())
    if not ok:
        raise ModelFileError(f"{path}: history must map names to lists of numbers")
    return history
