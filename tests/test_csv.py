"""The CSV reader and writer: detection, encoding, errors, atomic writes.

Oracles: pandas.read_csv on the same files; exact float round trips."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from backprop import BackpropError, DataError
from backprop.csvio import CSVTable, read_csv, write_csv


def write(tmp_path, text, name="data.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg and msg
    return msg


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
@pytest.mark.parametrize("header", [True, False])
def test_matches_pandas_for_every_delimiter_and_header(tmp_path, rng, sep, header):
    X = np.round(rng.normal(size=(25, 4)) * 100, 3)
    X[rng.random(X.shape) < 0.1] = np.nan
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    p = tmp_path / "d.csv"
    df.to_csv(p, sep=sep, index=False, header=header, na_rep="NA")
    t = read_csv(p)
    expected = pd.read_csv(p, sep=sep, header=0 if header else None).to_numpy(dtype=float)
    np.testing.assert_array_equal(t.X, expected)
    assert t.delimiter == sep and t.header is header
    assert t.feature_names == (["a", "b", "c", "d"] if header else ["x1", "x2", "x3", "x4"])
    assert t.n_missing == np.isnan(X).sum()


def test_whitespace_delimited(tmp_path):
    t = read_csv(write(tmp_path, "  1   2.5  3\n4 5\t  6e-1\n\n7 8 9  \n"))
    assert t.delimiter == "whitespace" and not t.header
    np.testing.assert_array_equal(t.X, [[1, 2.5, 3], [4, 5, 0.6], [7, 8, 9]])


def test_quoted_fields_and_bom(tmp_path):
    p = tmp_path / "q.csv"
    p.write_bytes('\ufeff"first, name",b\n"1",2\n3,"4"\n'.encode("utf-8"))
    t = read_csv(p)
    assert t.feature_names == ["first, name", "b"]
    np.testing.assert_array_equal(t.X, [[1, 2], [3, 4]])


@pytest.mark.parametrize("text,header", [
    ("a,b\n1,2\n3,4\n", True),
    ("1,2\n3,4\n", False),
    ("x,y,label\n1,2,yes\n3,4,no\n", True),       # numeric columns decide
    ("1,2,yes\n3,4,no\n5,6,yes\n", False),
    ("colour,label\nred,yes\nblue,no\n", True),    # all text: header cells never recur below
    ("red,yes\nblue,no\nred,yes\n", False),        # all text: 'red' recurs below
    ("a,2\n3,4\n", False),                         # mixed evidence: no header
])
def test_header_detection(tmp_path, text, header):
    from backprop._csv_detect import detect_header, split_rows
    rows, _ = split_rows(text, "auto", "t")
    assert detect_header(rows, frozenset({"", "na", "nan", "?"})) is header


def test_explicit_header_and_delimiter_override_detection(tmp_path):
    p = write(tmp_path, "1;2\n3;4\n")
    t = read_csv(p, header=True, delimiter="semicolon")
    assert t.feature_names == ["1", "2"] and t.X.tolist() == [[3, 4]]
    with pytest.raises(DataError, match="not numeric") as e:
        read_csv(p, delimiter=",", header=False)
    one_line(e)


def test_columns_name_a_headerless_file(tmp_path):
    p = write(tmp_path, "1,2,0\n3,4,1\n")
    t = read_csv(p, columns=["u", "v", "t"], target="t")
    assert t.feature_names == ["u", "v"] and t.y.tolist() == [0, 1] and t.classes is None
    with pytest.raises(DataError, match="gives 2 names but .* has 3 columns") as e:
        read_csv(p, columns=["u", "v"])
    one_line(e)
    with pytest.raises(DataError, match="duplicate column name 'u'"):
        read_csv(p, columns=["u", "u", "t"])


def test_missing_tokens_become_nan(tmp_path):
    t = read_csv(write(tmp_path, "a,b,c,d\n1,,NA,?\nnan,2,3,4\n"))
    assert np.isnan(t.X).sum() == 4 and t.X[1, 1:].tolist() == [2, 3, 4]
    t = read_csv(write(tmp_path, "a,b\n-1,x\n2,3\n"), missing=("x",))
    assert np.isnan(t.X[0, 1])


def test_text_column_refused_in_one_line_naming_column_value_and_line(tmp_path):
    p = write(tmp_path, "a,b\n1,2\n3,oops\n")
    with pytest.raises(DataError) as e:
        read_csv(p)
    msg = one_line(e)
    assert "'b'" in msg and "'oops'" in msg and "line 3" in msg and "one_hot" in msg


def test_infinite_values_refused(tmp_path):
    with pytest.raises(DataError, match="infinite value on line 2"):
        read_csv(write(tmp_path, "a\ninf\n1\n"), one_hot=True)


def test_text_target_gives_classes_and_int_index(tmp_path):
    p = write(tmp_path, "x,label\n1,cat\n2,dog\n3,cat\n")
    for target in ("label", -1, 1):
        t = read_csv(p, target=target)
        assert t.target == "label" and t.classes == ["cat", "dog"]
        assert t.y.tolist() == ["cat", "dog", "cat"] and t.X.shape == (3, 1)


def test_target_missing_value_and_unknown_target(tmp_path):
    p = write(tmp_path, "x,y\n1,2\n2,NA\n")
    with pytest.raises(DataError, match="target column 'y' has a missing value on line 3"):
        read_csv(p, target="y")
    with pytest.raises(DataError) as e:
        read_csv(p, target="z")
    assert "unknown target column 'z'; available: x, y" == one_line(e)
    with pytest.raises(DataError, match="out of range"):
        read_csv(p, target=5)


def test_one_hot_round_trip(tmp_path):
    train = write(tmp_path, "size,colour,shape,label\n1,red,round,a\n2,blue,square,b\n"
                            "3,green,round,a\n4,,square,b\n", "train.csv")
    t = read_csv(train, target="label", one_hot=True)
    assert t.categories == {"colour": ["blue", "green", "red"], "shape": ["round", "square"]}
    assert t.feature_names == ["size", "colour=blue", "colour=green", "colour=red",
                               "shape=round", "shape=square"]
    np.testing.assert_array_equal(t.X[0], [1, 0, 0, 1, 1, 0])
    assert np.isnan(t.X[3, 1:4]).all() and t.X[3, 5] == 1
    # every row one-hot: the indicators of a present category sum to one
    assert np.nansum(t.X[:3, 1:4], axis=1).tolist() == [1, 1, 1]
    # new data with fewer categories, no target column, other row order: same encoding
    new = write(tmp_path, "size,colour,shape\n9,red,square\n8,red,round\n", "new.csv")
    u = t.read_like(new)
    assert u.feature_names == t.feature_names and u.y is None
    np.testing.assert_array_equal(u.X, [[9, 0, 0, 1, 0, 1], [8, 0, 0, 1, 1, 0]])
    v = read_csv(new, one_hot=t.categories)
    np.testing.assert_array_equal(v.X, u.X)
    bad = write(tmp_path, "size,colour,shape\n9,purple,square\n", "bad.csv")
    with pytest.raises(DataError, match="category 'purple' on line 2 not seen"):
        t.read_like(bad)


def test_read_like_headerless_without_target_column(tmp_path):
    t = read_csv(write(tmp_path, "1,2,0\n3,4,1\n", "a.csv"), target=-1)
    u = t.read_like(write(tmp_path, "5,6\n", "b.csv"))
    assert u.X.tolist() == [[5, 6]] and u.y is None
    with pytest.raises(DataError, match="has 1 columns; expected 3"):
        t.read_like(write(tmp_path, "5\n", "c.csv"))


@pytest.mark.parametrize("text,pattern", [
    ("", "is empty"),
    ("\n  \n\n", "is empty"),
    ("a,b\n", "header row but no data rows"),
    ("a,b\n1,2\n3,4,5\n", "line 3: 3 fields, expected 2"),
    ("a,b,a\n1,2,3\n", "duplicate column name 'a' \\(columns 1 and 3\\)"),
])
def test_bad_files_raise_one_line_data_errors(tmp_path, text, pattern):
    with pytest.raises(DataError, match=pattern) as e:
        read_csv(write(tmp_path, text))
    one_line(e)


def test_missing_directory_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_csv(tmp_path)
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(DataError, match="not UTF-8"):
        read_csv(tmp_path / "b.csv")


def test_bad_arguments_are_config_errors(tmp_path):
    p = write(tmp_path, "1\n")
    for kw in ({"header": "maybe"}, {"delimiter": "::"}, {"one_hot": "yes"}):
        with pytest.raises(BackpropError):
            read_csv(p, **kw)


def test_write_csv_round_trips_floats_exactly(tmp_path, rng):
    X = rng.normal(size=(20, 3)) * 10.0 ** rng.integers(-8, 8, size=(20, 3))
    X[0, 0] = np.nan
    p = write_csv(tmp_path / "out.csv", X, columns=["a", "b", "c"])
    t = read_csv(p)
    np.testing.assert_array_equal(t.X, X)
    assert t.feature_names == ["a", "b", "c"]
    p = write_csv(tmp_path / "pred.csv", {"id": np.arange(3), "label": ["x", "y,z", "x"],
                                         "p": [0.1, 0.25, 1 / 3]})
    df = pd.read_csv(p)
    assert df["label"].tolist() == ["x", "y,z", "x"] and df["p"].tolist() == [0.1, 0.25, 1 / 3]


def test_write_csv_is_atomic(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content\n")

    class Exploding:
        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_csv(target, {"a": [1, 2, Exploding()]})
    assert target.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["out.csv"]      # no temporary file left behind
    with pytest.raises(DataError, match="does not exist"):
        write_csv(tmp_path / "no" / "such" / "dir.csv", [1, 2])
    with pytest.raises(DataError, match="differ in length"):
        write_csv(target, {"a": [1, 2], "b": [1]})
    assert target.read_text() == "old content\n"


def test_table_repr_and_type(tmp_path):
    t = read_csv(write(tmp_path, "a,b\n1,\n"))
    assert isinstance(t, CSVTable) and t.X.dtype == np.float64
    assert "1 rows x 2 features" in repr(t) and "1 missing" in repr(t)


def test_one_hot_of_a_mostly_numeric_column_warns(tmp_path):
    p = write(tmp_path, "a,b\n1,x\n2,y\n3x,x\n4,y\n")
    with pytest.warns(UserWarning, match="column 'a' is mostly numbers but has text '3x' on line 4"):
        t = read_csv(p, one_hot=True)
    assert t.categories["a"] == ["1", "2", "3x", "4"]
