"""Loaders: XOR, the user's own Pima file (all files here are made by the tests; no real
rows), the synthetic Pima stand-in against the published aggregates, scikit-learn's
bundled sets, MNIST IDX files written by the tests, and the generated problems."""

from __future__ import annotations

import gzip
import hashlib
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest

from backprop import ConfigError, DataError
from backprop import datasets as D
from backprop.datasets import pima as pima_module
from backprop.datasets.pima_synthetic import PIMA_CORRELATION, PIMA_STATS

from conftest import SRC


def test_import_needs_only_numpy():
    code = "import sys, backprop.datasets; assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(SRC)})


def test_xor():
    X, y = D.load_xor()
    assert (y == np.logical_xor(X[:, 0], X[:, 1])).all() and X.shape == (4, 2)


# ---------------------------------------------------------------- Pima (user's own copy)

def pima_text(ds) -> str:
    """UCI formatting: integers, BMI with one decimal, pedigree with three."""
    return "".join(f"{r[0]:.0f},{r[1]:.0f},{r[2]:.0f},{r[3]:.0f},{r[4]:.0f},{r[5]:.1f},{r[6]:.3f},"
                   f"{r[7]:.0f},{c}\n" for r, c in zip(ds.X, ds.y))


@pytest.fixture(scope="module")
def fake():
    return D.make_synthetic_pima(random_state=7)


@pytest.fixture
def pima_file(tmp_path, fake):
    p = tmp_path / "pima-indians-diabetes.data"
    p.write_text(pima_text(fake))
    return p


def test_load_pima_other_copy_warns_and_reads_exact_values(pima_file, fake):
    with pytest.warns(UserWarning, match="not the common copy"):
        ds = D.load_pima(pima_file)
    np.testing.assert_array_equal(ds.X, fake.X)
    np.testing.assert_array_equal(ds.y, fake.y)
    assert not ds.synthetic and ds.feature_names == D.PIMA_FEATURES and ds.X.shape == (768, 8)


def test_load_pima_right_checksum_is_silent(pima_file, monkeypatch):
    monkeypatch.setattr(pima_module, "PIMA_SHA256", hashlib.sha256(pima_file.read_bytes()).hexdigest())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = D.load_pima(pima_file)
    assert ds.X.shape == (768, 8)


def test_load_pima_from_env_directory(pima_file, monkeypatch, fake):
    monkeypatch.setenv("BACKPROP_PIMA_DIR", str(pima_file.parent))
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(D.load_pima().X, fake.X)
    other = pima_file.parent / "diabetes.csv"
    pima_file.rename(other)
    assert D.find_pima_file() == other
    other.unlink()
    with pytest.raises(DataError, match="looked for pima-indians-diabetes.data"):
        D.load_pima()
    monkeypatch.delenv("BACKPROP_PIMA_DIR")
    with pytest.raises(DataError, match="BACKPROP_PIMA_DIR.*never ships or downloads"):
        D.load_pima()


def test_load_pima_accepts_a_header_row(tmp_path, fake):
    p = tmp_path / "diabetes.csv"
    p.write_text("Pregnancies,Glucose,BloodPressure,SkinThickness,Insulin,BMI,Pedigree,Age,Outcome\n"
                 + pima_text(fake))
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(D.load_pima(p).X, fake.X)


def mangle(text: str, how: str) -> str:
    rows = [r.split(",") for r in text.splitlines()]
    if how == "columns":
        rows = [r[1:] for r in rows]
    elif how == "text":
        rows[10][4] = "high"
    elif how == "rows":
        rows = rows[:-1]
    elif how == "class":
        rows[3][8] = "2"
    elif how == "semicolons":
        return "\n".join(";".join(r) for r in rows) + "\n"
    return "\n".join(",".join(r) for r in rows) + "\n"


@pytest.mark.parametrize("how,pattern", [("columns", "found 8 column"), ("text", "text value 'high' on line 11, column 5"),
                                         ("rows", "found 767 rows"), ("class", "class 2 in row 4"),
                                         ("semicolons", "found 1 column")])
def test_load_pima_wrong_layout(pima_file, how, pattern):
    pima_file.write_text(mangle(pima_file.read_text(), how))
    with pytest.raises(DataError, match=pattern) as e:
        D.load_pima(pima_file)
    assert "not the Pima Indians Diabetes layout" in str(e.value) and "\n" not in str(e.value)


# ---------------------------------------------------------------- synthetic Pima

def test_synthetic_pima_is_labelled_and_reproducible():
    a, b, c = D.make_synthetic_pima(), D.make_synthetic_pima(), D.make_synthetic_pima(random_state=1)
    assert a.synthetic and a.description.startswith("SYNTHETIC")
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    assert np.bincount(a.y).tolist() == [500, 268]
    assert np.bincount(D.make_synthetic_pima(n=100).y).tolist() == [65, 35]


@pytest.mark.parametrize("n,tol_mean,tol_sd", [(768, 0.2, 0.3), (20000, 0.06, 0.1)])
def test_synthetic_pima_matches_published_aggregates(n, tol_mean, tol_sd):
    ds = D.make_synthetic_pima(n=n, random_state=3)
    missing_cols = [D.PIMA_FEATURES.index(c) for c in D.PIMA_MISSING_AS_ZERO]
    for c in (0, 1):
        Xc = ds.X[ds.y == c]
        for j, (mean, sd, lo, hi, zero_rate) in enumerate(PIMA_STATS[c]):
            v = Xc[:, j]
            present = v[v != 0] if j in missing_cols else v
            assert abs(present.mean() - mean) < tol_mean * sd, (c, j)
            assert abs(present.std(ddof=1) / sd - 1) < tol_sd, (c, j)
            assert lo <= present.min() and present.max() <= hi, (c, j)
            if j in missing_cols:
                assert abs((v == 0).mean() - zero_rate) < 0.005, (c, j)
    assert np.all(ds.X[:, [0, 1, 2, 3, 4, 7]] == np.round(ds.X[:, [0, 1, 2, 3, 4, 7]]))
    if n > 10000:
        complete = np.all(ds.X[:, missing_cols] != 0, axis=1)
        corr = np.corrcoef(ds.X[complete].T)
        assert np.abs(corr - PIMA_CORRELATION).max() < 0.2


def test_synthetic_pima_is_learnable_like_the_original():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = D.make_synthetic_pima()
    acc = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=5).mean()
    assert 0.70 < acc < 0.85


# ---------------------------------------------------------------- bundled (scikit-learn)

@pytest.mark.parametrize("name,shape,n_classes", [("breast-cancer", (569, 30), 2), ("digits", (1797, 64), 10)])
def test_bundled(name, shape, n_classes):
    import sklearn.datasets
    ds = D.load(name)
    raw = getattr(sklearn.datasets, f"load_{name.replace('-', '_')}")()
    assert ds.X.shape == shape and ds.X.dtype == np.float64 and len(ds.target_names) == n_classes
    np.testing.assert_array_equal(ds.X, raw.data)
    np.testing.assert_array_equal(ds.y, raw.target)
    assert len(ds.feature_names) == shape[1] and not ds.synthetic


# ---------------------------------------------------------------- MNIST IDX

def idx_bytes(a: np.ndarray, code: int) -> bytes:
    return struct.pack(">BBBB", 0, 0, code, a.ndim) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes()


@pytest.fixture
def idx_pair(tmp_path, rng):
    images = rng.integers(0, 256, size=(5, 3, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=5, dtype=np.uint8)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 0x08)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, 0x08))
    return tmp_path, images, labels


def test_mnist_idx_plain_and_gz(idx_pair):
    d, images, labels = idx_pair
    ds = D.load_mnist_idx(d / "train-images-idx3-ubyte.gz", d / "train-labels-idx1-ubyte")
    np.testing.assert_array_equal(ds.X, images.reshape(5, 12) / 255.0)
    np.testing.assert_array_equal(ds.y, labels)
    raw = D.load_mnist(d, kind="train", scale=False, dtype=np.float32)
    assert raw.X.dtype == np.float32 and np.array_equal(raw.X, images.reshape(5, 12))
    with pytest.raises(DataError, match="no t10k-images-idx3-ubyte"):
        D.load_mnist(d, kind="test")


@pytest.mark.parametrize("dtype,code", [(">i2", 0x0B), (">i4", 0x0C), (">f4", 0x0D), (">f8", 0x0E), ("i1", 0x09)])
def test_read_idx_all_types(tmp_path, rng, dtype, code):
    a = (rng.normal(size=(2, 3, 2)) * 50).astype(dtype)
    (tmp_path / "a.idx").write_bytes(idx_bytes(a, code))
    np.testing.assert_array_equal(D.read_idx(tmp_path / "a.idx"), a)


def test_mnist_idx_errors(idx_pair):
    d, images, labels = idx_pair
    imgs, labs = d / "train-images-idx3-ubyte.gz", d / "train-labels-idx1-ubyte"
    bad = d / "bad"
    for content, pattern in [(b"\x08\x03\x00\x00", "bad magic number 08030000"),
                             (b"\x00\x00\x07\x01", "bad magic number"), (b"", "bad magic number none"),
                             (idx_bytes(labels, 0x08)[:-1], "holds 12 bytes; its header \\(5,\\) of uint8 needs 13"),
                             (b"\x00\x00\x08\x03\x00\x00", "header of 3 sizes is incomplete"),
                             (b"\x1f\x8b\x08\x00garbage", "damaged gzip")]:
        bad.write_bytes(content)
        with pytest.raises(DataError, match=pattern):
            D.read_idx(bad)
    with pytest.raises(DataError, match="swapped"):
        D.load_mnist_idx(labs, imgs)
    bad.write_bytes(idx_bytes(labels[:4], 0x08))
    with pytest.raises(DataError, match="5 images but 4 labels"):
        D.load_mnist_idx(imgs, bad)
    bad.write_bytes(idx_bytes(np.full(5, 12, np.uint8), 0x08))
    with pytest.raises(DataError, match="0..9"):
        D.load_mnist_idx(imgs, bad)
    with pytest.raises(DataError, match="not found"):
        D.read_idx(d / "missing")


# ---------------------------------------------------------------- generated problems

def test_circles_radii_and_balance():
    ds = D.make_circles(101, noise=0.0, factor=0.3)
    r = np.hypot(*ds.X.T)
    np.testing.assert_allclose(r, np.where(ds.y == 0, 1.0, 0.3))
    assert abs(np.bincount(ds.y)[0] - np.bincount(ds.y)[1]) <= 1 and ds.synthetic


def test_spirals_classic_benchmark():
    ds = D.make_spirals()
    assert ds.X.shape == (194, 2) and np.bincount(ds.y).tolist() == [97, 97]
    np.testing.assert_allclose(ds.X[0], [0, 6.5])
    np.testing.assert_allclose(ds.X[ds.y == 1], -ds.X[ds.y == 0])
    i = np.arange(97)
    np.testing.assert_allclose(np.hypot(*ds.X[:97].T), 6.5 * (104 - i) / 104)


def test_gaussian_clusters_centered():
    C = np.array([[0.0, 0.0], [10.0, -5.0]])
    ds = D.make_gaussian_clusters(4000, centers=C, std=0.5, random_state=1)
    for k in range(2):
        np.testing.assert_allclose(ds.X[ds.y == k].mean(axis=0), C[k], atol=0.05)
        np.testing.assert_allclose(ds.X[ds.y == k].std(axis=0), 0.5, rtol=0.1)


def test_curve_is_the_sine_plus_noise():
    ds = D.make_curve(30, noise=0.0)
    assert ds.task == "regression" and ds.X.shape == (30, 1)
    np.testing.assert_allclose(ds.y, np.sin(2 * np.pi * ds.X[:, 0]))
    assert np.all(np.diff(ds.X[:, 0]) >= 0)


@pytest.mark.parametrize("call", [lambda: D.make_circles(1), lambda: D.make_circles(10, factor=1.5),
                                  lambda: D.make_spirals(2.5), lambda: D.make_curve(noise=-1),
                                  lambda: D.load("iris"), lambda: D.make_synthetic_pima(n=1)])
def test_bad_arguments(call):
    with pytest.raises(ConfigError):
        call()
