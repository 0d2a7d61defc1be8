"""One-hot encoding of the text columns of a CSV file, within a cap on categories.

A text column of ``n`` rows may have at most :func:`category_cap` ``(n)`` =
``min(100, max(10, n // 2))`` categories: an identifier-like column would make
a dense block of rows x categories (40,000 unique ids: 12 GiB), so it is refused
by name (:class:`TooManyCategories`) before that block is allocated.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._csv_detect import is_number, shorten, show
from ._errors import DataError

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


def learn_one_hot(cells, lines, name, missing_set, bad, where):
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
    return one_hot(cells, lines, name, missing_set, sorted(cats), where)


def one_hot(cells, lines, name, missing_set, cats, where):
    """The 0/1 block of a text column for the categories ``cats`` (NaN rows where missing)."""
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
                            f"not seen when it was encoded; known: {shorten(cats)}")
    return block, cats
