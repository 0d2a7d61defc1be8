"""Model files that run no code when loaded (format ``backprop-model``, version 1).

A model file is a zip archive holding

    backprop-model.json     the header: format name and version, architecture,
                            task, classes, preprocessing configs, history, metadata,
                            and the name, dtype and shape of every array
    arrays/<key>.npy        one NumPy ``.npy`` array per key (never object arrays)
    checksum.sha256         SHA-256 over every other entry (name, size and bytes)

Loading never runs code from the file: the header is JSON, and arrays are copied
from raw ``.npy`` bytes after their dtype has been checked (numbers and text only,
never objects; nothing is unpickled).  Loading never trusts a size the file
declares: the header is read and checked first, every entry's size against what
the header implies, the checksum over a streamed pass, and only then the arrays,
in bounded chunks (:mod:`backprop._modelzip`).  Every way a file can be wrong (not
a model, not a regular file, truncated, tampered, newer format, a pickle, missing
or extra entries, sizes that lie, shapes that do not fit the architecture,
non-finite weights, metadata of the wrong type) raises :class:`ModelFileError`
with one line saying what is wrong.  Files are written atomically
(:mod:`backprop._atomic`: a temporary file in the same directory, fsync,
``os.replace``).  See ``docs/model-files.md``.
"""

from __future__ import annotations

import hashlib
import io as _io
import itertools
import os
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import losses
from ._atomic import atomic_write
from ._errors import BackpropError, ConfigError
from ._modelcheck import check_metadata, nonfinite_params
from ._modelfile import (CHECKSUM, FORMAT, FORMAT_VERSION, HEADER, KEY, MAX_ENTRIES, MAX_HEADER_BYTES,
                         ArraySpec, ModelFileError, array_entry, array_specs, checksum, decode_header,
                         describe, entry_key, expected_size, fail, frame, header_bytes, short)
from ._modelzip import NpyHeader, entries, npy_header, open_archive, read_npy, read_small, stream
from .model import Model

__all__ = ["save_model", "load_model", "ModelFileError", "register_transformer",
           "transformer_registry", "FORMAT", "FORMAT_VERSION"]

_LOCAL_TRANSFORMERS: dict[str, type] = {}


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
    bad = nonfinite_params(model.network)
    if bad:
        raise ConfigError(f"cannot save the model: its network's parameters hold {bad}; a model "
                          "file holds finite weights only (did training diverge?)")
    header, arrays = _encode(model)
    files = {HEADER: header_bytes(header)}
    for key, a in arrays.items():
        buf = _io.BytesIO()
        np.lib.format.write_array(buf, a, allow_pickle=False)
        files[array_entry(key)] = buf.getvalue()
    files[CHECKSUM] = checksum(files).encode()
    path = Path(path)
    with atomic_write(path) as f:
        with zipfile.ZipFile(f, "w") as zf:
            for name, data in files.items():
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
            if not isinstance(key, str) or not KEY.match(key):
                raise ConfigError(f"transformer array names must match {KEY.pattern}, got {key!r}")
            a = np.asarray(a)
            if a.dtype.hasobject or a.dtype.kind not in "biufcSU" or a.dtype.itemsize == 0:
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

    The header is read and checked first; then every entry's size against what the
    header implies, the checksum over all entries (streamed: nothing is kept), and only
    then are the arrays read.  Peak memory is the model's own arrays plus a few MiB.

    Raises
    ------
    ModelFileError
        The file is not a regular file or not a backprop model, is truncated or tampered
        with, uses a newer format version, holds pickled objects, declares more than it
        holds, or does not fit together (one line naming the field).
    """
    path = Path(path)
    with open_archive(path) as zf:
        infos = entries(zf, path, MAX_ENTRIES)
        if HEADER not in infos:
            fail(path, f"not a backprop model file (no {HEADER} entry in the archive)")
        unknown = sorted(n for n in infos if n not in (HEADER, CHECKSUM) and entry_key(n) is None)
        if unknown:
            fail(path, f"unexpected entry {short(repr(unknown[0]))} in the archive")
        raw = read_small(zf, infos[HEADER], MAX_HEADER_BYTES, path)
        header = decode_header(raw, path)
        specs = array_specs(header, path)
        _check_sizes(infos, specs, path)
        npy = _verify(zf, infos, raw, specs, path)
        net = _invalid_as_error(path, "network", lambda: _network(header["network"]))
        arrays = {key: read_npy(zf, infos[array_entry(key)], npy[key], path, key,
                                out=net.params if key == header["network"]["params"] else None)
                  for key in specs}
    return _decode(header, net, arrays, path)


def _check_sizes(infos: dict[str, zipfile.ZipInfo], specs: dict[str, ArraySpec], path: Path) -> None:
    """Every entry is one the header names, of a size its array table implies; they fit in memory."""
    for name in infos:
        if name not in (HEADER, CHECKSUM) and entry_key(name) not in specs:
            fail(path, f"unexpected entry {short(repr(name))} in the archive (not in the header's "
                       "array table)")
    if CHECKSUM not in infos:
        fail(path, f"the checksum entry {CHECKSUM} is missing")
    total = sum(spec.nbytes for spec in specs.values())
    memory = _physical_memory()
    if memory is not None and total > memory:
        fail(path, f"the model's arrays need {describe(total)}, more than this machine's "
                   f"{describe(memory)} of memory")
    for key, spec in specs.items():
        info = infos.get(array_entry(key))
        if info is None:
            fail(path, f"array entry {short(repr(array_entry(key)))} is missing")
        low, high = expected_size(spec)
        if not low <= info.file_size <= high:
            fail(path, f"entry {short(repr(info.filename))} says it holds {info.file_size} bytes, but "
                       f"the header's {spec.dtype.str}{list(spec.shape)} needs {spec.nbytes} plus a "
                       ".npy header")


def _verify(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], raw: bytes,
            specs: dict[str, ArraySpec], path: Path) -> dict[str, NpyHeader]:
    """Stream every entry once (keeping nothing): each array's ``.npy`` header must match the
    header's table and its size exactly, and the checksum must match.  Returns the .npy headers."""
    h, found = hashlib.sha256(), {}
    for name in sorted(set(infos) - {CHECKSUM}):
        info = infos[name]
        frame(h, name, info.file_size)
        if name == HEADER:
            h.update(raw)
            continue
        key, spec = entry_key(name), specs[entry_key(name)]
        chunks = stream(zf, info, path)
        first = next(chunks, b"")
        dtype, shape, fortran, offset = found[key] = npy_header(first, path, key)
        if dtype.str != spec.dtype.str or shape != spec.shape:
            fail(path, f"array {short(repr(key))} is {dtype.str}{list(shape)}, the header says "
                       f"{spec.dtype.str}{list(spec.shape)}")
        if info.file_size != offset + spec.nbytes:
            fail(path, f"entry {short(repr(name))} holds {info.file_size - offset} bytes of data; "
                       f"{spec.dtype.str}{list(spec.shape)} is {spec.nbytes}")
        for data in itertools.chain([first], chunks):
            h.update(data)
    stored = read_small(zf, infos[CHECKSUM], 256, path).decode("ascii", "replace").strip()
    if not stored:
        fail(path, f"the checksum entry {CHECKSUM} is missing")
    if stored != h.hexdigest():
        fail(path, "checksum mismatch: the file was modified or corrupted")
    return found


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _invalid_as_error(path: Path, field: str | None, build: Callable[[], Any]) -> Any:
    """``build()``, its errors as one ModelFileError line (naming ``field`` unless the message does)."""
    try:
        return build()
    except ModelFileError:
        raise
    except (BackpropError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = f"{field}: " if field else ""
        raise ModelFileError(f"{path}: invalid model file: {where}{short(msg, 300)}") from None


def _network(spec: dict) -> Any:
    """The network the header describes, its parameters zero (they are read into ``params``)."""
    from . import initializers
    from .network import Network

    init = spec.get("init", "uniform")
    initializers.get(init)
    net = Network(spec["layer_sizes"], spec["activations"], init="zeros", dtype=np.dtype(spec["dtype"]))
    net.init = init
    return net


def _decode(header: dict, net: Any, arrays: dict[str, np.ndarray], path: Path) -> Model:
    bad = nonfinite_params(net)
    if bad:
        fail(path, f"the network's parameters hold {bad}; such a model cannot predict")
    registry = transformer_registry()

    def transformer(entry: dict, field: str) -> Any:
        name = entry["name"]
        if name not in registry:
            fail(path, f"unknown transformer {short(repr(name))}; known: "
                       f"{', '.join(sorted(registry)) or 'none'}")
        state = {k: arrays[v] for k, v in entry.get("arrays", {}).items()}
        return _invalid_as_error(path, field,
                                 lambda: registry[name].from_state(entry.get("config", {}), state))

    steps = [transformer(e, f"preprocessing[{i}]") for i, e in enumerate(header["preprocessing"])]
    target = header.get("target_transform")
    target = None if target is None else transformer(target, "target_transform")
    _invalid_as_error(path, "loss", lambda: losses.get(header["loss"]))
    model = _invalid_as_error(path, None, lambda: Model(
        net, task=header["task"], classes=header.get("classes"), loss=header["loss"],
        preprocessing=steps, target_transform=target, feature_names=header.get("feature_names"),
        history=_check_history(header["history"], path), metadata=dict(header["metadata"])))
    _invalid_as_error(path, None, lambda: check_metadata(model))
    return model


def _check_history(history: dict, path: Path) -> dict[str, list]:
    if not all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
               for v in history.values()):
        fail(path, "history must map names to lists of numbers")
    return history
