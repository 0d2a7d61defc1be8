"""Shared by ``train``, ``predict`` and ``evaluate``: CSV files as a model's inputs, the task rule."""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .._csv_detect import is_number, read_text, split_rows
from .._errors import DataError
from ..csvio import MISSING, CSVTable, read_csv

MAX_CLASSES = 20


@contextmanager
def warnings_as_lines(command: str) -> Iterator[None]:
    """Library warnings become ``backprop COMMAND: warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                text = " ".join(str(w.message).split())
                if text not in seen:
                    seen.add(text)
                    print(f"backprop {command}: warning: {text}", file=sys.stderr)


def choose_task(y: np.ndarray) -> str:
    """Text labels, or few distinct integers (at most 20, at most half the rows): classification."""
    if y.dtype.kind in "USO":
        return "classification"
    distinct = np.unique(y)
    integer = bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
    few = len(distinct) <= min(MAX_CLASSES, max(2, len(y) // 2))
    return "classification" if integer and few else "regression"


def class_labels(y: np.ndarray) -> np.ndarray:
    """Labels as read: text stays text; integer-valued numbers become ints."""
    if y.dtype.kind in "f" and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return y


def check_missing(table: CSVTable, impute: bool,
                  advice: str = "no imputation was asked for; use --impute mean or clean the data"
                  ) -> None:
    """One-line error naming the first column with missing values, when nothing imputes them."""
    if impute:
        return
    bad = np.isnan(table.X).sum(axis=0)
    if bad.any():
        j = int(np.argmax(bad > 0))
        raise DataError(f"{table.path}: column {table.feature_names[j]!r} has {int(bad[j])} missing "
                        f"value(s) and {advice}")


def csv_spec(table: CSVTable) -> dict:
    """How the training file was read (stored in the model's metadata)."""
    return {"delimiter": table.delimiter, "header": table.header, "columns": list(table.columns),
            "target": table.target, "categories": {k: list(v) for k, v in table.categories.items()},
            "missing": list(table.missing)}


def read_for_model(path: str, model: Any, target: str | None = None) -> CSVTable:
    """Read ``path`` as inputs of ``model``: columns matched by name when the file has a header
    (any order; the target column may be present), by position otherwise.  The returned
    table's ``X`` has the model's feature order; missing values are an error unless the
    model imputes them."""
    spec = model.metadata.get("csv") or {}
    where = str(path)
    missing = frozenset(str(m).strip().lower() for m in spec.get("missing", MISSING))
    rows, delim = split_rows(read_text(path), spec.get("delimiter", "auto"), where)
    columns = list(spec.get("columns") or [])
    cats = spec.get("categories") or {}
    train_target = spec.get("target")
    target = target or train_target
    raw = [c for c in columns if c != train_target] if columns else None
    header = spec.get("header", "auto")
    if header == "auto":
        header = bool(model.feature_names) and all(
            not is_number(c, missing) for c in rows[0][1]) and len(rows) > 1
    if header:
        names = [c or f"x{j + 1}" for j, c in enumerate(rows[0][1])]
        known = raw if raw is not None else list(model.feature_names or [])
        lacking = [c for c in known if c not in names]
        if lacking:
            raise DataError(f"{where} lacks column(s) {', '.join(map(repr, lacking))} the model was "
                            f"trained on; it has {', '.join(map(repr, names))}")
        extra = [c for c in names if c not in known and c != target]
        if extra:
            raise DataError(f"{where} has column(s) {', '.join(map(repr, extra))} the model does not "
                            f"know; expected {', '.join(map(repr, known))}")
        if target not in names:
            target = None
        table = read_csv(path, target=target, header=True, delimiter=delim, one_hot=cats or False)
    else:
        width = len(rows[0][1])
        if raw is None:
            raw = [f"x{j + 1}" for j in range(model.network.n_inputs)]
        if width == len(raw):
            names, tgt = raw, None
        elif columns and width == len(columns):
            names, tgt = columns, train_target
        else:
            raise DataError(f"{where} has {width} columns; the model expects {len(raw)}"
                            + (f" (or {len(columns)} with the target)" if columns else ""))
        table = read_csv(path, target=tgt, columns=names, header=False, delimiter=delim,
                         one_hot=cats or False)
    want = list(model.feature_names or table.feature_names)
    if set(want) != set(table.feature_names) or len(want) != len(table.feature_names):
        raise DataError(f"{where}: features {table.feature_names} do not match the model's {want}")
    order = [table.feature_names.index(f) for f in want]
    table.X, table.feature_names = table.X[:, order], want
    check_missing(table, any(type(s).__name__ == "MeanImputer" for s in model.preprocessing),
                  "the model does not impute them; clean the data or retrain with --impute mean")
    return table

