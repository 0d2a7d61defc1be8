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
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ._csv_detect import (MAX_BYTES, Progress, Row, detect_header, normalize_delimiter,
                          parse_numbers, read_text, shorten, show, source, split_rows)
from ._csv_onehot import MAX_CATEGORIES, TooManyCategories, category_cap, learn_one_hot, one_hot
from ._csv_write import write_csv
from ._errors import ConfigError, DataError

__all__ = ["CSVTable", "read_csv", "write_csv", "MISSING", "MAX_CATEGORIES", "TooManyCategories",
           "category_cap"]

MISSING = ("", "NA", "NaN", "?")
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
        where = source(path)
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
            raise DataError(f"{where}: features {shorten(table.feature_names)} differ from "
                            f"{shorten(self.feature_names)}")
        table.delimiter, table.header, table.path = delim, self.header, where
        return table


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
    where = source(path)
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
        raise DataError(f"unknown target column {show(target)}; available: {shorten(names)}")
    drop = [str(c) for c in ([drop] if isinstance(drop, str) else drop)]
    for c in drop:
        if c not in names:
            raise DataError(f"cannot drop unknown column {show(c)}; available: {shorten(names)}")
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
                        f"{shorten(names)}")
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
            block, cats = one_hot(cells(j), lines, name, missing_set, categories[name], where)
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
            cell, line = text[bad].strip(), lines[bad]
            if cell.lower().lstrip("+-") in ("inf", "infinity"):
                raise DataError(f"{where}: column {show(name)} has an infinite value on line {line}")
            if categories is not None:
                raise DataError(f"{where}: column {show(name)} is not numeric: {show(cell)} on line "
                                f"{line}; encode text columns with one_hot=True (--one-hot)")
            block, cats = learn_one_hot(text, lines, name, missing_set, bad, where)
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
            raise DataError(f"{where}: target column {show(name)} has a missing value on line "
                            f"{lines[i]}")
    values, _ = parse_numbers(cells, missing_set)
    if values is not None:
        return values, None
    labels = np.array(cells, dtype=str)
    return labels, sorted(set(cells))
