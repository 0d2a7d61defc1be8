"""Atomic CSV writing for :mod:`backprop.csvio` (see :mod:`backprop._atomic`)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Mapping, Sequence

import numpy as np

from ._atomic import atomic_write
from ._errors import DataError

__all__ = ["write_csv", "write_rows"]


def write_csv(path: str | os.PathLike, data: np.ndarray | Mapping[str, Sequence] | Sequence,
              columns: Sequence[str] | None = None, delimiter: str = ",") -> Path:
    """Write rows atomically (temporary file, fsync, ``os.replace``); returns the path.

    ``data`` is a 1-D or 2-D array (``columns`` names its columns and becomes the
    header) or a mapping ``{column: values}`` of equal-length columns (numbers or
    text).  Floats are written with ``repr`` so they read back exactly; NaN as ``NaN``.
    """
    columns, cols = _columns(data, columns)
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DataError(f"cannot write {str(path)!r}: directory {str(parent)!r} does not exist")
    try:
        with atomic_write(path, text=True, newline="", encoding="utf-8") as f:
            _write(f, columns, cols, delimiter)
    except OSError as exc:
        raise DataError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return path


def write_rows(f: IO[str], data: np.ndarray | Mapping[str, Sequence] | Sequence,
               columns: Sequence[str] | None = None, delimiter: str = ",") -> None:
    """What :func:`write_csv` writes, to an open text file (e.g. ``sys.stdout``)."""
    _write(f, *_columns(data, columns), delimiter)


def _columns(data, columns: Sequence[str] | None) -> tuple[Sequence[str] | None, list[np.ndarray]]:
    """The header (or None) and the columns of ``data``, checked."""
    if isinstance(data, Mapping):
        columns = [str(c) for c in data]
        cols = [np.asarray(v).reshape(-1) for v in data.values()]
    else:
        a = np.asarray(data)
        a = a.reshape(-1, 1) if a.ndim == 1 else a
        if a.ndim != 2:
            raise DataError(f"write_csv needs 1-D or 2-D data, got shape {a.shape}")
        cols = [a[:, j] for j in range(a.shape[1])]
    if len({len(c) for c in cols}) > 1:
        raise DataError(f"write_csv columns differ in length: {[len(c) for c in cols]}")
    if columns is not None and len(columns) != len(cols):
        raise DataError(f"write_csv got {len(columns)} column names for {len(cols)} columns")
    return columns, cols


def _write(f: IO[str], columns: Sequence[str] | None, cols: list[np.ndarray], delimiter: str) -> None:
    writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
    if columns is not None:
        writer.writerow(columns)
    for row in zip(*cols):
        writer.writerow([_fmt(v) for v in row])


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "NaN" if np.isnan(v) else repr(float(v))
    if isinstance(v, (np.integer, np.bool_)):
        return str(int(v))
    return str(v)
