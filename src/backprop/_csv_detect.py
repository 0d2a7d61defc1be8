"""Low-level helpers of :mod:`backprop.csvio`: reading text, splitting rows,
detecting the delimiter and the header row, parsing numbers.

Every failure is a :class:`~backprop._errors.DataError` with one line that
names the file and, where it matters, the line number.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ._errors import ConfigError, DataError

CANDIDATES = (",", "\t", ";", "|")
DELIMITER_NAMES = {"comma": ",", "tab": "\t", "\\t": "\t", "semicolon": ";", "pipe": "|",
                   "whitespace": "whitespace", " ": "whitespace", "space": "whitespace"}
SAMPLE_LINES = 50

Row = tuple[int, list[str]]  # (1-based line number, fields; strip them before using them as text)


def normalize_delimiter(delimiter: str) -> str:
    """``"auto"``, one character, ``"whitespace"`` or a name (comma, tab, semicolon, pipe)."""
    if not isinstance(delimiter, str):
        raise ConfigError(f"delimiter must be a string, got {delimiter!r}")
    d = DELIMITER_NAMES.get(delimiter.lower() if len(delimiter) > 1 else delimiter, delimiter)
    if d in ("auto", "whitespace") or (len(d) == 1 and d not in '"\r\n'):
        return d
    raise ConfigError(f"unknown delimiter {delimiter!r}; valid choices: auto, comma, semicolon, tab, "
                      "pipe, whitespace, or any single character")


def read_text(path: str | os.PathLike) -> str:
    """The file's text (UTF-8, optional BOM); DataError for a missing/unreadable/binary file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"file not found: {str(p)!r}") from None
    except IsADirectoryError:
        raise DataError(f"{str(p)!r} is a directory, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"cannot read {str(p)!r}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{str(p)!r} is not UTF-8 text (undecodable byte at offset {exc.start})") from None


def _split(text: str, delimiter: str) -> list[Row]:
    """Rows of non-blank lines (fields not stripped: float() ignores spaces; text users strip)."""
    rows: list[Row] = []
    if delimiter == "whitespace":
        for n, line in enumerate(text.split("\n"), 1):
            fields = line.split()
            if fields:
                rows.append((n, fields))
        return rows
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False,
                        skipinitialspace=True)
    start = 1
    try:
        for fields in reader:
            if len(fields) > 1 or (fields and fields[0].strip()):
                rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"malformed CSV near line {reader.line_num}: {exc}") from None
    return rows


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (> 1) of fields.

    Among consistent candidates the one giving the most fields wins (ties in the
    order comma, tab, semicolon, pipe); whitespace is tried when none is
    consistent; a file of one column reads with ``,``.
    """
    sample = "\n".join([ln for ln in text.split("\n") if ln.strip()][:SAMPLE_LINES])
    best, best_key = ",", (False, 0)
    for d in (*CANDIDATES, "whitespace"):
        try:
            counts = [len(f) for _, f in _split(sample, d)]
        except DataError:
            continue
        if not counts:
            continue
        consistent = min(counts) == max(counts) and counts[0] > 1
        key = (consistent, counts[0] if consistent else 0)
        if key > best_key:
            best, best_key = d, key
    if not best_key[0]:  # nothing consistent: the most common width > 1 decides
        scores = {}
        for d in CANDIDATES:
            try:
                counts = [len(f) for _, f in _split(sample, d)]
            except DataError:
                continue
            widths = [c for c in counts if c > 1]
            if widths:
                scores[d] = max(widths.count(w) for w in set(widths))
        if scores:
            best = max(scores, key=scores.get)
    return best


def split_rows(text: str, delimiter: str, where: str) -> tuple[list[Row], str]:
    """Parse ``text`` into rows of equal width; returns (rows, delimiter used)."""
    if delimiter == "auto":
        delimiter = detect_delimiter(text)
    rows = _split(text, delimiter)
    if not rows:
        raise DataError(f"{where} is empty (no data rows)")
    width = len(rows[0][1])
    for n, fields in rows:
        if len(fields) != width:
            raise DataError(f"{where}, line {n}: {len(fields)} fields, expected {width} like line "
                            f"{rows[0][0]} (ragged rows; delimiter {delimiter!r})")
    return rows, delimiter


def is_number(cell: str, missing: frozenset[str]) -> bool:
    """True for a number or a missing-value token."""
    if cell.strip().lower() in missing:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def detect_header(rows: list[Row], missing: frozenset[str]) -> bool:
    """Whether the first row is a header: text above columns whose later rows are numbers.

    A column that is numeric below the first row votes "header" when its first
    cell is text and "no header" when it is a number; a text column whose first
    cell also occurs below votes "no header".  Without any numeric column the
    first row is a header when its cells are non-empty text found nowhere below.
    """
    first = [c.strip() for c in rows[0][1]]
    rest = [f for _, f in rows[1:SAMPLE_LINES * 20]]
    if not rest:
        return all(c and not is_number(c, missing) for c in first)
    yes = no = 0
    for j, cell in enumerate(first):
        below = [r[j] for r in rest]
        if all(is_number(c, missing) for c in below):
            if is_number(cell, missing):
                no += 1
            else:
                yes += 1
        elif cell in {c.strip() for c in below}:
            no += 1
    if yes or no:
        return yes > 0 and no == 0
    return all(c and not is_number(c, missing) for c in first)


def parse_numbers(cells: Sequence[str], missing: frozenset[str]) -> tuple[np.ndarray | None, int]:
    """float64 values with NaN for missing tokens, or (None, index of the first non-number)."""
    try:
        values = np.array(cells, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        values = np.empty(len(cells))
        for i, c in enumerate(cells):
            if c.strip().lower() in missing:
                values[i] = np.nan
                continue
            try:
                values[i] = float(c)
            except ValueError:
                return None, i
    if np.isinf(values).any():
        return None, int(np.flatnonzero(np.isinf(values))[0])
    return values, -1
