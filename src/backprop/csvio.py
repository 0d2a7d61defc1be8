"""Reading tables of numbers from CSV files, and writing predictions back.

``read_csv`` turns a delimited text file into a numeric matrix ``X`` (float64,
NaN where a value is missing) and, optionally, a target vector ``y``:

- the delimiter (comma, semicolon, tab, pipe, whitespace) is detected from the
  first lines unless given;
- a header row is detected (text above columns that are numeric below) unless
  given; a header-less file is named by ``columns=[...]`` or gets ``x1, x2, ...``;
- a text column is refused with a one-line :class:`DataError` naming the column,
  its first bad value and line -- or, with ``one_hot=True``, replaced by one 0/1
  indicator column per category (``colour=red``, ...).  The categories are kept
  in ``table.categories`` so ``table.read_like(other_file)`` (or
  ``read_csv(..., one_hot=table.categories)``) encodes new data the same way;
- the target column may hold class labels as text;
- ``drop=[...]`` leaves columns out (an identifier, a free-text note).

Text columns may have at most :func:`category_cap` categories (100, and at
most half the rows): an identifier-like column is refused by name
(:class:`TooManyCategories`) before any memory is allocated for it.  The
bounds on what is read (bytes, line length, quoting) are in
:mod:`backprop._csv_detect`.

``write_csv`` writes atomically: to a temporary file in the same directory,
then ``os.replace``; a failure leaves no half-written output.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ._csv_detect import (MAX_BYTES, Progress, Row, cut, detect_header, is_number,
                          normalize_delimiter, parse_numbers, read_text, show, split_rows)
from ._csv_write import write_csv
from ._errors import ConfigError, DataError

__all__ = ["CSVTable", "read_csv", "write_csv", "MISSING", "MAX_CATEGORIES", "TooManyCategories",
           "category_cap"]

MISSING = ("", "NA", "NaN", "?")
MAX_CATEGORIES = 100    # a text column may have at most this many categories ...
MIN_CATEGORY_CAP = 10   # ... and at most half the rows, though always this many


def category_cap(n_rows: int) -> int:
    """The most categories one-hot encoding learns for a text column of ``n_rows`` rows."""
    return min(MAX_CATEGORIES, max(MIN_CATEGORY_CAP, n_rows // 2))


class TooManyCategories(DataError):
    """A text column with more distinct values than :func:`category_cap` allows.

    ``column`` names it; :meth:`advice` words the way out in the caller's terms
    (``drop=['id']`` here, ``--drop id`` on the command line).
    """

    def __init__(self, reason: str, column: str, fix: str = "") -> None:
        self.reason, self.column, self.fix = reason, column, fix
        super().__init__(self.advice(f"drop=[{show(column)}]"))

    def advice(self, how: str) -> str:
        return f"{self.reason}; {self.fix}leave it out with {how}"


@dataclass
class CSVTable:
    """A CSV file read as numbers.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_features), float64 with NaN for missing values.
    y : ndarray of shape (n_rows,) or None
        The target column: float64 when numeric, str labels when text.
    feature_names : names of the columns of ``X`` (one-hot columns as ``name=category``).
    target : name of the target column, or None.
    classes : sorted distinct labels of a text target, else None.
    columns : the file's column names in file order (target included).
    categories : ``{column: [categories]}`` of the one-hot encoded columns.
    dropped : the columns left out (``drop=``).
    delimiter, header, missing, path : how the file was read.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target: str | None = None
    classes: list[str] | None = None
    columns: list[str] = field(default_factory=list)
    categories: dict[str, list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    delimiter: str = ","
    header: bool = False
    missing: tuple[str, ...] = MISSING
    path: str = ""

    def __repr__(self) -> str:
        target = f", target {self.target!r}" if self.target is not None else ""
        return (f"CSVTable({self.path!r}: {self.n_rows} rows x {len(self.feature_names)} features"
                f"{target}, {self.n_missing} missing)")

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_missing(self) -> int:
        """Number of missing values in ``X``."""
        return int(np.isnan(self.X).sum())

    def read_like(self, path: str | os.PathLike) -> "CSVTable":
        """Read another file (e.g. new data to predict) exactly as this one was read.

        Same delimiter, header rule, column names, one-hot categories, dropped
        columns and target; the target column may be absent.  The features must
        come out identical, else DataError.
        """
        where = _where(path)
        rows, delim = split_rows(read_text(path), self.delimiter, where)
        if self.header:
            names, body = _names_from_header(rows[0], where), rows[1:]
        else:
            body = rows
            width = len(rows[0][1])
            names = list(self.columns)
            if self.target is not None and width == len(names) - 1:
                names.remove(self.target)
            if width != len(names):
                raise DataError(f"{where} has {width} columns; expected {len(self.columns)} like "
                                f"{self.path or 'the training file'}")
        target = self.target if self.target in names else None
        drop = [c for c in self.dropped if c in names]
        table = _build(body, names, target, dict(self.categories), self.missing, where, drop)
        if table.feature_names != self.feature_names:
            raise DataError(f"{where}: features {_shorten(table.feature_names)} differ from "
                            f"{_shorten(self.feature_names)}")
        table.delimiter, table.header, table.path = delim, self.header, where
        return table


def _where(path: str | os.PathLike) -> str:
    return "standard input" if str(path) == "-" else str(path)


def _shorten(names: Sequence[str], n: int = 20) -> str:
    return ", ".join(cut(c) for c in names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")


def _names_from_header(row: Row, where: str) -> list[str]:
    names = [c.strip() or f"x{j + 1}" for j, c in enumerate(row[1])]
    _check_unique(names, where)
    return names


def _check_unique(names: Sequence[str], where: str) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataError(f"{where}: duplicate column name {show(name)} (columns {seen[name] + 1} "
                            f"and {j + 1})")
        seen[name] = j


def _scaled(progress: Progress | None, low: float, high: float) -> Progress | None:
    return None if progress is None else (lambda f: progress(low + (high - low) * f))


def read_csv(path: str | os.PathLike, target: str | int | None = None,
             columns: Sequence[str] | None = None, header: bool | str = "auto",
             delimiter: str = "auto", one_hot: bool | Mapping[str, Sequence[str]] = False,
             missing: Sequence[str] = MISSING, drop: Sequence[str] = (),
             max_bytes: int = MAX_BYTES, progress: Progress | None = None) -> CSVTable:
    """Read a delimited text file into a numeric :class:`CSVTable`.

    Parameters
    ----------
    path : the file; ``"-"`` reads standard input (a file named ``-`` is ``"./-"``).
    target : name (or 0-based index, negative from the end) of the target column.
    columns : names for the file's columns; with a header row detected or
        ``header=True`` they replace the header's names.
    header : ``"auto"`` (detect), True or False.
    delimiter : ``"auto"``, ``","``, ``";"``, ``"\\t"``, ``"|"``, ``"whitespace"`` or any one character.
    one_hot : False (text columns are an error), True (encode them, at most
        :func:`category_cap` categories each), or a mapping ``{column: categories}``
        from an earlier table's ``categories``.
    missing : tokens (case-insensitive) that mean "missing"; they become NaN.
    drop : names of columns to leave out.
    max_bytes : the most bytes read (a larger file, pipe or stdin is a DataError).
    progress : called with the fraction done (0 to 1) while a large file is parsed.

    Returns
    -------
    CSVTable
    """
    where = _where(path)
    if header not in ("auto", True, False):
        raise ConfigError(f"header must be 'auto', True or False, got {header!r}")
    if not isinstance(one_hot, (bool, Mapping)):
        raise ConfigError(f"one_hot must be True, False or a mapping of categories, got {one_hot!r}")
    delimiter = normalize_delimiter(delimiter)
    rows, delim = split_rows(read_text(path, max_bytes), delimiter, where, _scaled(progress, 0, 0.6))
    table = table_from_rows(rows, delim, where, target, columns, header, one_hot, missing, drop,
                            _scaled(progress, 0.6, 1))
    if progress is not None:
        progress(1.0)
    return table


def table_from_rows(rows: list[Row], delim: str, where: str, target: str | int | None = None,
                    columns: Sequence[str] | None = None, header: bool | str = "auto",
                    one_hot: bool | Mapping[str, Sequence[str]] = False,
                    missing: Sequence[str] = MISSING, drop: Sequence[str] = (),
                    progress: Progress | None = None) -> CSVTable:
    """:func:`read_csv` for rows already split (``split_rows``); ``where`` names them in errors."""
    missing_set = frozenset(str(m).strip().lower() for m in missing)
    width = len(rows[0][1])
    has_header = detect_header(rows, missing_set) if header == "auto" else bool(header)
    if columns is not None:
        names = [str(c) for c in columns]
        if len(names) != width:
            raise DataError(f"columns= gives {len(names)} names but {where} has {width} columns")
        _check_unique(names, "columns=")
    elif has_header:
        names = _names_from_header(rows[0], where)
    else:
        names = [f"x{j + 1}" for j in range(width)]
    body = rows[1:] if has_header else rows
    if not body:
        raise DataError(f"{where} has a header row but no data rows")
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not -width <= target < width:
            raise DataError(f"target column index {target} is out of range for {width} columns")
        target = names[target]
    elif target is not None and target not in names:
        raise DataError(f"unknown target column {show(target)}; available: {_shorten(names)}")
    drop = [str(c) for c in ([drop] if isinstance(drop, str) else drop)]
    for c in drop:
        if c not in names:
            raise DataError(f"cannot drop unknown column {show(c)}; available: {_shorten(names)}")
        if c == target:
            raise DataError(f"cannot drop the target column {show(c)}")
    cats = dict(one_hot) if isinstance(one_hot, Mapping) else (None if one_hot else {})
    table = _build(body, names, target, cats, tuple(missing), where, drop, progress)
    table.delimiter, table.header, table.path = delim, has_header, where
    return table


def _build(body: list[Row], names: list[str], target: str | None,
           categories: dict[str, list[str]] | None, missing: tuple[str, ...], where: str,
           drop: Sequence[str] = (), progress: Progress | None = None) -> CSVTable:
    """Columns -> CSVTable.  ``categories=None`` means learn categories of every text column."""
    missing_set = frozenset(str(m).strip().lower() for m in missing)
    lines = [n for n, _ in body]
    unknown = [c for c in (categories or {}) if c not in names]
    if unknown:
        raise DataError(f"{where}: one-hot column {show(unknown[0])} not found; available: "
                        f"{_shorten(names)}")
    try:                                      # fast path: every cell a number
        whole = np.array([f for _, f in body], dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        whole = None
    cols = list(zip(*(f for _, f in body))) if whole is None else None

    def cells(j: int) -> Sequence[str]:
        return cols[j] if cols is not None else [f[j] for _, f in body]

    blocks, feature_names, learned, y, classes = [], [], {}, None, None
    for j, name in enumerate(names):
        if progress is not None:
            progress(0.3 + 0.7 * j / len(names))
        if name in drop:
            continue
        if name == target:
            y, classes = _target(cells(j), lines, name, missing_set, where)
            continue
        if categories is not None and name in categories:
            block, cats = _one_hot(cells(j), lines, name, missing_set, categories[name], where)
        else:
            if whole is None:
                values, bad = parse_numbers(cells(j), missing_set)
            else:
                values, bad = whole[:, j], -1
                if np.isinf(values).any():
                    values, bad = None, int(np.flatnonzero(np.isinf(values))[0])
            if values is not None:
                blocks.append(values[:, None])
                feature_names.append(name)
                continue
            text = cells(j)
            if text[bad].strip().lower().lstrip("+-") in ("inf", "infinity"):
                raise DataError(f"{where}: column {show(name)} has an infinite value on line {lines[bad]}")
            if categories is not None:
                raise DataError(f"{where}: column {show(name)} is not numeric: {show(text[bad].strip())} "
                                f"on line {lines[bad]}; encode text columns with one_hot=True (--one-hot)")
            block, cats = _learn_one_hot(text, lines, name, missing_set, bad, where)
        blocks.append(block)
        learned[name] = cats
        feature_names.extend(f"{name}={c}" for c in cats)
    X = np.hstack(blocks) if blocks else np.empty((len(body), 0))
    return CSVTable(X, y, feature_names, target, classes, list(names), learned, list(drop),
                    missing=missing)


def _target(cells, lines, name, missing_set, where):
    cells = [c.strip() for c in cells]
    for i, c in enumerate(cells):
        if c.lower() in missing_set:
            raise DataError(f"{where}: target column {show(name)} has a missing value on line {lines[i]}")
    values, _ = parse_numbers(cells, missing_set)
    if values is not None:
        return values, None
    labels = np.array(cells, dtype=str)
    return labels, sorted(set(cells))


def _learn_one_hot(cells, lines, name, missing_set, bad, where):
    """One-hot encode a text column (first non-number at ``bad``), within the category cap."""
    text = show(cells[bad].strip())
    mostly = sum(is_number(c, missing_set) for c in cells) > len(cells) / 2
    cats = {s for s in (c.strip() for c in cells) if s.lower() not in missing_set}
    cap = category_cap(len(cells))
    if len(cats) > cap:
        kind = (f"is mostly numbers but has text {text} on line {lines[bad]}; as text it has"
                if mostly else "has")
        raise TooManyCategories(f"{where}: column {show(name)} {kind} {len(cats)} distinct values, "
                                f"more than the {cap} categories one-hot encoding takes for "
                                f"{len(cells)} rows (at most {MAX_CATEGORIES}, and at most half the "
                                "rows)", name, "fix that value or " if mostly else "")
    if mostly:
        warnings.warn(f"{where}: column {show(name)} is mostly numbers but has text {text} on line "
                      f"{lines[bad]}; one-hot encoding it into {len(cats)} columns", UserWarning,
                      stacklevel=5)
    return _one_hot(cells, lines, name, missing_set, sorted(cats), where)


def _one_hot(cells, lines, name, missing_set, cats, where):
    cells = [c.strip() for c in cells]
    cats = list(cats)
    index = {c: k for k, c in enumerate(cats)}
    block = np.zeros((len(cells), len(cats)))
    for i, c in enumerate(cells):
        if c.lower() in missing_set:
            block[i] = np.nan
        elif c in index:
            block[i, index[c]] = 1.0
        else:
            raise DataError(f"{where}: column {show(name)} has category {show(c)} on line {lines[i]} "
                            f"not seen when it was encoded; known: {_shorten(cats)}")
    return block, cats
