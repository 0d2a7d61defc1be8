"""Shared by ``train``, ``describe``, ``predict`` and ``evaluate``: CSV files on the command line
(``-`` is standard input), as a model's inputs; the task rule."""

from __future__ import annotations

import argparse
import os
import shlex
import stat
import sys
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .._csv_detect import (Progress, cut, is_number, read_text, shorten, show, source,
                           split_rows)
from .._errors import DataError
from ..csvio import (MAX_CATEGORIES, MISSING, CSVTable, TooManyCategories, category_cap, read_csv,
                     table_from_rows)

MAX_CLASSES = 20
EXACT_INTEGERS = 2.0 ** 53       # beyond this a float64 "integer" is not a class code
PROGRESS_BYTES = 2 << 20         # files at least this large show progress on a terminal


def add_csv_options(p: argparse.ArgumentParser) -> None:
    """The options that say how to read the CSV file (train and describe)."""
    p.add_argument("--columns", type=names_list,
                   help="comma-separated names for the columns of a header-less file")
    p.add_argument("--drop", type=names_list, default=[],
                   help="comma-separated columns to leave out, e.g. an identifier")
    p.add_argument("--delimiter", default="auto",
                   help="auto (default), comma, semicolon, tab, pipe, whitespace or one character")
    p.add_argument("--one-hot", action="store_true",
                   help=f"encode text columns as 0/1 indicators (at most {MAX_CATEGORIES} "
                        "categories each, and at most half the rows)")


def names_list(text: str) -> list[str]:
    return [c.strip() for c in text.split(",")]


def read_table(args: argparse.Namespace, command: str) -> CSVTable:
    """Read ``args.data`` as the CSV options say: library warnings as lines, progress on a
    terminal, the one-hot cap's advice in command-line terms."""
    header = {"auto": "auto", "yes": True, "no": False}[getattr(args, "header", "auto")]
    with warnings_as_lines(command), progress_line(command, args.data) as progress:
        try:
            return read_csv(args.data, target=args.target, columns=args.columns, header=header,
                            delimiter=args.delimiter, one_hot=args.one_hot, drop=args.drop,
                            progress=progress)
        except TooManyCategories as exc:
            raise DataError(exc.advice(f"--drop {shlex.quote(cut(exc.column))}")) from None


@contextmanager
def progress_line(command: str, path: str, stream: Any = None) -> Iterator[Progress | None]:
    """A progress callback printing ``backprop COMMAND: reading PATH: 42%`` on a terminal,
    for a regular file of at least PROGRESS_BYTES; None (no output) otherwise."""
    stream = stream or sys.stderr
    try:
        st = os.stat(path) if path != "-" else None
    except OSError:
        st = None
    big = st is not None and stat.S_ISREG(st.st_mode) and st.st_size >= PROGRESS_BYTES
    if not big or not stream.isatty():
        yield None
        return
    shown = [-1]
    label = f"backprop {command}: reading {cut(path)}:"

    def report(fraction: float) -> None:
        percent = int(100 * fraction)
        if percent != shown[0]:
            shown[0] = percent
            stream.write(f"\r{label} {percent:3d}%")
            stream.flush()

    try:
        yield report
    finally:
        if shown[0] >= 0:
            stream.write("\r" + " " * (len(label) + 5) + "\r")
            stream.flush()


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
                line = warning_line(command, w.message)
                if line not in seen:
                    seen.add(line)
                    print(line, file=sys.stderr)


@contextmanager
def warnings_printed(command: str) -> Iterator[None]:
    """Any warning raised inside prints at once as one ``backprop COMMAND: warning: ...`` line
    (``cli.main`` runs every command in this; nothing is kept)."""
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_, **__: print(warning_line(command, message),
                                                               file=sys.stderr)
        yield


def warning_line(command: str, message: object) -> str:
    """A warning as the command line prints it: ``backprop COMMAND: warning: ...`` on one line."""
    return f"backprop {command}: warning: {' '.join(str(message).split())}"


def _integers(y: np.ndarray) -> bool:
    """Whole numbers that float64 holds exactly (|y| <= 2**53): class codes, not measurements."""
    return bool(np.all(np.abs(y) <= EXACT_INTEGERS) and np.all(y == np.round(y)))


def choose_task(y: np.ndarray) -> str:
    """Text labels, or few distinct integers (at most 20, at most half the rows): classification."""
    if y.dtype.kind in "USO":
        return "classification"
    distinct = np.unique(y)
    few = len(distinct) <= min(MAX_CLASSES, max(2, len(y) // 2))
    return "classification" if _integers(y) and few else "regression"


def class_labels(y: np.ndarray, name: str = "target") -> np.ndarray:
    """Labels as read: text stays text; numbers must be exact integers (|y| <= 2**53), as ints.

    Other numbers (0.5, 1e308) are refused rather than cast, and so is a column
    with more classes than :func:`~backprop.csvio.category_cap` allows (an
    identifier), before a one-hot target block is allocated.
    """
    if y.dtype.kind == "f":
        if not _integers(y):
            bad = y[~((np.abs(y) <= EXACT_INTEGERS) & (y == np.round(y)))][0]
            raise DataError(f"target column {show(name)} holds {bad:g}, not a class label (text, or "
                            "a whole number of at most 2**53); use --task regression")
        y = y.astype(np.int64)
    classes = np.unique(y)
    if len(classes) > category_cap(len(y)):
        raise DataError(f"target column {show(name)} has {len(classes)} distinct values in {len(y)} "
                        f"rows, too many classes to learn (at most {category_cap(len(y))}); is it an "
                        "identifier, or a regression target (--task regression)?")
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
        raise DataError(f"{table.path}: column {show(table.feature_names[j])} has {int(bad[j])} "
                        f"missing value(s) and {advice}")


def csv_spec(table: CSVTable) -> dict:
    """How the training file was read (stored in the model's metadata)."""
    return {"delimiter": table.delimiter, "header": table.header, "columns": list(table.columns),
            "target": table.target, "categories": {k: list(v) for k, v in table.categories.items()},
            "drop": list(table.dropped), "missing": list(table.missing)}


def read_for_model(path: str, model: Any, target: str | None = None) -> CSVTable:
    """Read ``path`` as inputs of ``model``: columns matched by name when the file has a header
    (any order; the target column may be present), by position otherwise.  The returned
    table's ``X`` has the model's feature order; missing values are an error unless the
    model imputes them.  The file is read once (``-`` is standard input)."""
    spec = model.metadata.get("csv") or {}
    where = source(path)
    missing = frozenset(str(m).strip().lower() for m in spec.get("missing", MISSING))
    rows, delim = split_rows(read_text(path), spec.get("delimiter", "auto"), where)
    columns = list(spec.get("columns") or [])
    cats = spec.get("categories") or {}
    dropped = spec.get("drop") or []
    if not isinstance(dropped, list) or not all(isinstance(c, str) for c in dropped):
        raise DataError("the model file's metadata csv.drop is not a list of column names")
    if not isinstance(cats, dict):
        raise DataError("the model file's metadata csv.categories is not a mapping")
    n_inputs = model.network.n_inputs
    if sum(len(v) for v in cats.values() if isinstance(v, (list, tuple))) > n_inputs:
        raise DataError(f"the model file's metadata declares more one-hot categories than the "
                        f"network's {n_inputs} inputs")
    train_target = spec.get("target")
    target = target or train_target
    raw = [c for c in columns if c != train_target and c not in dropped] if columns else None
    header = spec.get("header", "auto")
    if header == "auto":
        header = bool(model.feature_names) and all(
            not is_number(c, missing) for c in rows[0][1]) and len(rows) > 1
    if header:
        names = [c.strip() or f"x{j + 1}" for j, c in enumerate(rows[0][1])]
        known = raw if raw is not None else list(model.feature_names or [])
        lacking = [c for c in known if c not in names]
        if lacking:
            raise DataError(f"{where} lacks column(s) {shorten(lacking, quoted=True)} the model was "
                            f"trained on; it has {shorten(names, quoted=True)}")
        extra = [c for c in names if c not in known and c != target and c not in dropped]
        if extra:
            raise DataError(f"{where} has column(s) {shorten(extra, quoted=True)} the model does not "
                            f"know; expected {shorten(known, quoted=True)}")
        if target not in names:
            target = None
        table = table_from_rows(rows, delim, where, target=target, header=True,
                                one_hot=cats or False, drop=[c for c in dropped if c in names])
    else:
        width = len(rows[0][1])
        used = [c for c in columns if c != train_target] if columns else None
        if used is None:
            used = [f"x{j + 1}" for j in range(n_inputs)]
        if width == len(used):
            names, tgt = used, None
        elif columns and width == len(columns):
            names, tgt = columns, train_target
        else:
            raise DataError(f"{where} has {width} columns; the model expects {len(used)}"
                            + (f" (or {len(columns)} with the target)" if columns else ""))
        table = table_from_rows(rows, delim, where, target=tgt, columns=names, header=False,
                                one_hot=cats or False, drop=[c for c in dropped if c in names])
    want = list(model.feature_names or table.feature_names)
    if set(want) != set(table.feature_names) or len(want) != len(table.feature_names):
        raise DataError(f"{where}: features {shorten(table.feature_names, quoted=True)} do not match "
                        f"the model's {shorten(want, quoted=True)}")
    order = [table.feature_names.index(f) for f in want]
    table.X, table.feature_names = table.X[:, order], want
    check_missing(table, any(type(s).__name__ == "MeanImputer" for s in model.preprocessing),
                  "the model does not impute them; clean the data or retrain with --impute mean")
    return table

