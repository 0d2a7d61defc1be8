"""Pima Indians Diabetes: read the user's own copy; never shipped, never downloaded.

The data's owners asked for redistribution to stop (UCI and R's mlbench withdrew
it), so backprop reads only a copy the user already has and otherwise offers a
clearly labelled synthetic stand-in (:func:`make_synthetic_pima`, generated
from published aggregate statistics only).

Expected layout (the UCI ``pima-indians-diabetes.data``): 768 rows, 9
comma-separated numeric columns, no header -- pregnancies, plasma glucose,
diastolic blood pressure, triceps skin fold, 2-hour serum insulin, BMI,
diabetes pedigree function, age, class (1 = diabetes within five years).  In
the five columns of :data:`PIMA_MISSING_AS_ZERO` a 0 means "not measured".
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

from .._errors import DataError
from ._base import Dataset

__all__ = ["load_pima", "find_pima_file", "PIMA_FEATURES", "PIMA_ATTRIBUTES", "PIMA_MISSING_AS_ZERO",
           "PIMA_SHA256", "PIMA_FILENAMES", "PIMA_ENV", "PIMA_N_ROWS"]

PIMA_FEATURES = ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi",
                 "pedigree", "age"]
#: Long names, in the wording of the dataset's documentation.
PIMA_ATTRIBUTES = ["Number of times pregnant", "Plasma glucose concentration (2 h OGTT)",
                   "Diastolic blood pressure (mm Hg)", "Triceps skin fold thickness (mm)",
                   "2-hour serum insulin (mu U/ml)", "Body mass index (kg/m^2)",
                   "Diabetes pedigree function", "Age (years)"]
#: Columns where 0 is physically impossible and means "missing".
PIMA_MISSING_AS_ZERO = ["glucose", "blood_pressure", "skin_thickness", "insulin", "bmi"]
PIMA_CLASSES = ["negative", "positive"]
#: SHA-256 of the common copy (UCI ``pima-indians-diabetes.data``).
PIMA_SHA256 = "6bfe5d0f379d17a0e0819b996407e3c09bf80febd4287f2ed212190dfff154af"
#: File names looked for, in this order, in a directory (``path`` or ``$BACKPROP_PIMA_DIR``).
PIMA_FILENAMES = ["pima-indians-diabetes.data", "pima-indians-diabetes.csv",
                  "pima-indians-diabetes.data.csv", "diabetes.csv"]
PIMA_ENV = "BACKPROP_PIMA_DIR"
PIMA_N_ROWS = 768


def find_pima_file(path: str | os.PathLike | None = None) -> Path:
    """The Pima file: ``path`` itself, or one of :data:`PIMA_FILENAMES` in the directory
    ``path`` (default ``$BACKPROP_PIMA_DIR``)."""
    if path is None:
        path = os.environ.get(PIMA_ENV)
        if not path:
            raise DataError(f"no Pima Indians Diabetes file: pass its path or set {PIMA_ENV} to the "
                            f"directory holding {PIMA_FILENAMES[0]} (backprop never ships or downloads "
                            "it; make_synthetic_pima() gives a synthetic stand-in)")
    p = Path(path)
    if p.is_dir():
        for name in PIMA_FILENAMES:
            if (p / name).is_file():
                return p / name
        raise DataError(f"no Pima file in {str(p)!r}; looked for {', '.join(PIMA_FILENAMES)}")
    if not p.exists():
        raise DataError(f"Pima file not found: {str(p)!r}")
    return p


def load_pima(path: str | os.PathLike | None = None) -> Dataset:
    """Read and verify the user's copy of the Pima Indians Diabetes data.

    Parameters
    ----------
    path : file, or directory holding one of :data:`PIMA_FILENAMES`; default: the
        directory named by the environment variable ``BACKPROP_PIMA_DIR``.

    Returns
    -------
    Dataset
        768 x 8 float64 ``X``, ``y`` in {0, 1}; zeros kept as they are (see
        :data:`PIMA_MISSING_AS_ZERO`).

    Raises
    ------
    DataError
        Wrong layout: not 9 comma-separated numeric columns, not 768 rows, a class
        other than 0/1, an empty value.  A file with the right layout but another
        SHA-256 than :data:`PIMA_SHA256` is used with a ``UserWarning``.
    """
    from .._csv_detect import is_number, parse_numbers, read_text, split_rows
    p = find_pima_file(path)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    what = f"{str(p)!r} is not the Pima Indians Diabetes layout (768 rows x 9 numeric columns, comma-separated)"
    try:
        rows, _ = split_rows(read_text(p), ",", "the file")
    except DataError as exc:
        raise DataError(f"{what}: {exc}") from None
    if len(rows[0][1]) != 9:
        raise DataError(f"{what}: found {len(rows[0][1])} column(s) on line {rows[0][0]}")
    no_missing = frozenset()
    if not any(is_number(c, no_missing) for c in rows[0][1]):
        rows = rows[1:]                       # a header row, as in some copies
    cols = list(zip(*(f for _, f in rows))) or [()] * 9
    data = np.empty((len(rows), 9))
    for j, cells in enumerate(cols):
        values, bad = parse_numbers(cells, no_missing)
        if values is None:
            raise DataError(f"{what}: text value {cells[bad].strip()!r} on line {rows[bad][0]}, column {j + 1}")
        data[:, j] = values
    if data.shape[0] != PIMA_N_ROWS:
        raise DataError(f"{what}: found {data.shape[0]} rows")
    if np.isnan(data).any():
        i, j = np.argwhere(np.isnan(data))[0]
        raise DataError(f"{what}: empty or missing value in row {i + 1}, column {j + 1}")
    if not np.isin(data[:, 8], (0, 1)).all():
        i = int(np.flatnonzero(~np.isin(data[:, 8], (0, 1)))[0])
        raise DataError(f"{what}: class {data[i, 8]:g} in row {i + 1} (expected 0 or 1)")
    if digest != PIMA_SHA256:
        warnings.warn(f"{p} has the Pima layout but is not the common copy (SHA-256 {digest[:16]}... "
                      f"differs from {PIMA_SHA256[:16]}...); using it as it is", UserWarning, stacklevel=2)
    return Dataset(data[:, :8].copy(), data[:, 8].astype(np.int64), list(PIMA_FEATURES),
                   list(PIMA_CLASSES),
                   f"Pima Indians Diabetes (NIDDK), read from {p}; 0 means missing in "
                   f"{', '.join(PIMA_MISSING_AS_ZERO)}.", synthetic=False, name="pima")
