"""Fuzzing read_csv: random bytes and mutated valid CSV files produce either a table
or one of the library's own errors (a BackpropError subclass), never anything else;
a table never holds a cell that spans lines (a stray quote is an error, not one big cell)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from backprop import BackpropError
from backprop.csvio import CSVTable, read_csv

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTIONS = st.fixed_dictionaries({
    "header": st.sampled_from(["auto", True, False]),
    "delimiter": st.sampled_from(["auto", ",", ";", "\t", "|", "whitespace"]),
    "one_hot": st.booleans(),
    "target": st.sampled_from([None, "x1", "a", 0, -1, 7]),
})
ALPHABET = ',;\t| \n\r"\'0123456789.-+eE?NAnaifxyz\x00\u00e9'


@pytest.fixture(scope="module")
def path():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d) / "fuzz.csv"


def check(path: Path, data: bytes, options: dict) -> None:
    path.write_bytes(data)
    try:
        table = read_csv(path, **options)
    except BackpropError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(table, CSVTable)
    text = list(table.feature_names) + ([] if table.y is None or table.y.dtype.kind != "U"
                                        else table.y.tolist())
    assert not any("\n" in c or "\r" in c for c in text)
    assert table.X.dtype == np.float64 and table.X.ndim == 2
    assert not np.isinf(table.X).any()
    assert table.X.shape[1] == len(table.feature_names)
    if table.y is not None:
        assert len(table.y) == table.X.shape[0]


@SETTINGS
@given(data=st.binary(max_size=300), options=OPTIONS)
def test_random_bytes(path, data, options):
    check(path, data, options)


@st.composite
def mutated_csv(draw):
    n_rows, n_cols = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    sep = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(-1000, 1000).map(str), st.sampled_from(["", "NA", "?", "red", "a b"]))
    rows = [[f"c{j}" for j in range(n_cols)]] if draw(st.booleans()) else []
    rows += [[draw(cell) for _ in range(n_cols)] for _ in range(n_rows)]
    text = "\n".join(sep.join(r) for r in rows) + draw(st.sampled_from(["", "\n", "\r\n"]))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        ch = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=3))
        text = (text[:i] + ch + text[i:] if op == "insert" else
                text[:i] + text[i + 1:] if op == "delete" else text[:i] + ch + text[i + len(ch):])
    return text.encode("utf-8", errors="surrogatepass")


@SETTINGS
@given(data=mutated_csv(), options=OPTIONS)
def test_mutated_valid_csv(path, data, options):
    check(path, data, options)
