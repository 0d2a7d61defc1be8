"""Low-level helpers of :mod:`backprop.csvio`: reading text, splitting rows,
detecting the delimiter and the header row, parsing numbers.

Every failure is a :class:`~backprop._errors.DataError` with one line that
names the file and, where it matters, the line number; cell values in
messages are cut to a few dozen characters (:func:`show`).

Reading is bounded: a regular file, a pipe or standard input (``-``) is read
up to ``max_bytes`` (default :data:`MAX_BYTES`); devices, directories and
sockets are refused before they are read; no line may exceed
:data:`MAX_LINE_BYTES`; delimiter detection looks at most at the first
:data:`SAMPLE_BYTES`.  A quoted field may not span lines: a stray quote would
otherwise swallow the rest of the file into one cell.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from typing import BinaryIO, Callable, Sequence

import numpy as np

from ._errors import ConfigError, DataError

CANDIDATES = (",", "\t", ";", "|")
DELIMITER_NAMES = {"comma": ",", "tab": "\t", "\\t": "\t", "semicolon": ";", "pipe": "|",
                   "whitespace": "whitespace", " ": "whitespace", "space": "whitespace"}
SAMPLE_LINES = 50
SAMPLE_BYTES = 1 << 20          # delimiter detection reads at most this much of the text
MAX_BYTES = 1 << 30             # default cap on the bytes read from one file, pipe or stdin
MAX_LINE_BYTES = 4 << 20        # no line may be longer
SHOW_CHARS = 40                 # cell values in messages are cut to this many characters
PROGRESS_ROWS = 1 << 16         # rows between two progress reports

Progress = Callable[[float], None]  # called with the fraction done, 0 to 1

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


def cut(value: object, limit: int = SHOW_CHARS) -> str:
    """A name or cell value for a message: escaped onto one line, cut to ``limit`` characters."""
    text = str(value)
    body = repr(text[:limit])[1:-1]
    return body if len(text) <= limit else f"{body}... ({len(text)} characters)"


def show(value: object, limit: int = SHOW_CHARS) -> str:
    """:func:`cut`, in quotes: ``'oops'``, ``'aaaa...' (9012 characters)``."""
    text = str(value)
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def shorten(names: Sequence[object], n: int = 20, quoted: bool = False) -> str:
    """The first ``n`` names, each cut, comma-separated: ``a, b, ... (300 in all)``."""
    text = ", ".join((show if quoted else cut)(c) for c in names[:n])
    return text + (f", ... ({len(names)} in all)" if len(names) > n else "")


def source(path: str | os.PathLike) -> str:
    """How messages name a path: ``-`` is standard input."""
    return "standard input" if str(path) == "-" else str(path)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for one we read (a regular file or a pipe)."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _read_capped(f: BinaryIO, max_bytes: int, name: str) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = f.read(min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise DataError(f"{name} holds more than {_size(max_bytes)}, the limit on CSV input "
                            f"(max_bytes); use a sample of its rows")


def read_bytes(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> bytes:
    """At most ``max_bytes`` of a regular file, a pipe or standard input (``-``), else DataError."""
    if str(path) == "-":
        return _read_capped(sys.stdin.buffer, max_bytes, "standard input")
    name = repr(str(path))
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is None:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                kind = _kind(st.st_mode)
                if kind is None:
                    if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
                        raise DataError(f"{name} is {_size(st.st_size)}, more than {_size(max_bytes)}, "
                                        "the limit on CSV input (max_bytes); use a sample of its rows")
                    return _read_capped(f, max_bytes, name)
    except FileNotFoundError:
        raise DataError(f"file not found: {name}") from None
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror or exc}") from None
    raise DataError(f"{name} is {kind}, not a CSV file")


def _check_line_length(data: bytes, name: str) -> None:
    """DataError naming the first line longer than MAX_LINE_BYTES (one rfind per MAX_LINE_BYTES)."""
    pos = 0
    while len(data) - pos > MAX_LINE_BYTES:
        end = pos + MAX_LINE_BYTES + 1
        cut = max(data.rfind(b"\n", pos, end), data.rfind(b"\r", pos, end))
        if cut < 0:
            line = data.count(b"\n", 0, pos) + 1
            raise DataError(f"{name}, line {line}: longer than {_size(MAX_LINE_BYTES)}, the limit "
                            "on one line; is this a CSV file?")
        pos = cut + 1


def read_text(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> str:
    """The text (UTF-8, optional BOM) of a file, pipe or ``-``; DataError when unreadable or binary."""
    data = read_bytes(path, max_bytes)
    name = source(path) if str(path) == "-" else repr(str(path))
    _check_line_length(data, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not UTF-8 text (undecodable byte at offset {exc.start})") from None


def _split(text: str, delimiter: str, spanning: bool = False,
           progress: Progress | None = None) -> list[Row]:
    """Rows of non-blank lines (fields not stripped: float() ignores spaces; text users strip).

    A quoted field that runs over a line break is an error unless ``spanning``
    (delimiter detection judges a candidate on its structure alone).
    """
    rows: list[Row] = []
    if delimiter == "whitespace":
        for n, line in enumerate(text.split("\n"), 1):
            fields = line.split()
            if fields:
                rows.append((n, fields))
        return rows
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False,
                        skipinitialspace=True)
    lines, report = max(1, text.count("\n")), PROGRESS_ROWS
    start = 1
    try:
        for fields in reader:
            if reader.line_num > start and not spanning:
                raise DataError(f"line {start}: a quoted field opened here runs on to line "
                                f"{reader.line_num}; close the quote (a quoted field may not span "
                                "lines)")
            if len(fields) > 1 or (fields and fields[0].strip()):
                rows.append((start, fields))
            start = reader.line_num + 1
            if progress is not None and start > report:
                report += PROGRESS_ROWS
                progress(min(1.0, start / lines))
    except csv.Error as exc:
        raise DataError(f"malformed CSV near line {reader.line_num}: {exc}") from None
    return rows


def _sample(text: str) -> str:
    """The first SAMPLE_LINES non-blank lines, from at most SAMPLE_BYTES of the text."""
    head = text[:SAMPLE_BYTES]
    if len(text) > SAMPLE_BYTES and "\n" in head:
        head = head[:head.rindex("\n")]
    return "\n".join([ln for ln in head.split("\n") if ln.strip()][:SAMPLE_LINES])


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (> 1) of fields.

    Among consistent candidates the one giving the most fields wins (ties in the
    order comma, tab, semicolon, pipe); whitespace is tried when none is
    consistent; a file of one column reads with ``,``.
    """
    sample = _sample(text)
    best, best_key = ",", (False, 0)
    for d in (*CANDIDATES, "whitespace"):
        try:
            counts = [len(f) for _, f in _split(sample, d, spanning=True)]
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
                counts = [len(f) for _, f in _split(sample, d, spanning=True)]
            except DataError:
                continue
            widths = [c for c in counts if c > 1]
            if widths:
                scores[d] = max(widths.count(w) for w in set(widths))
        if scores:
            best = max(scores, key=scores.get)
    return best


def split_rows(text: str, delimiter: str, where: str,
               progress: Progress | None = None) -> tuple[list[Row], str]:
    """Parse ``text`` into rows of equal width; returns (rows, delimiter used)."""
    if delimiter == "auto":
        delimiter = detect_delimiter(text)
    try:
        rows = _split(text, delimiter, progress=progress)
    except DataError as exc:
        raise DataError(f"{where}, {exc}") from None
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
