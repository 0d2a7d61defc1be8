"""``backprop describe``: statistics equal NumPy's on the same data; Pima table; errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop import datasets as D

from conftest import run_cli
from test_datasets import pima_text


def numpy_stats(v: np.ndarray) -> dict:
    ok = v[~np.isnan(v)]
    return {"count": ok.size, "mean": ok.mean(), "std": ok.std(ddof=1), "min": ok.min(),
            "max": ok.max(), "missing": int(np.isnan(v).sum()), "zeros": int((ok == 0).sum())}


def test_statistics_equal_numpy(tmp_path, rng):
    X = np.round(rng.normal(2, 3, size=(40, 3)), 2)
    X[rng.random(X.shape) < 0.2] = 0.0
    X[rng.random(X.shape) < 0.1] = np.nan
    labels = rng.choice(["yes", "no"], size=40)
    p = tmp_path / "d.csv"
    p.write_text("a;b;c;label\n" + "".join(
        ";".join("NA" if np.isnan(v) else repr(float(v)) for v in row) + f";{t}\n" for row, t in zip(X, labels)))
    r = run_cli("describe", p, "--target", "label", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["rows"] == 40 and not report["synthetic"]
    for j, attr in enumerate(report["attributes"]):
        assert attr["name"] == "abc"[j]
        for key, value in numpy_stats(X[:, j]).items():
            assert attr[key] == pytest.approx(value, rel=1e-12), (key, j)
    assert report["target"]["classes"] == {k: int((labels == k).sum()) for k in ("no", "yes")}
    table = run_cli("describe", p, "--target", "label")
    assert table.returncode == 0 and "missing" in table.stdout and "target 'label': 2 classes" in table.stdout


def test_headerless_file_with_columns_and_delimiter(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text("1|0\n3|5\n")
    r = run_cli("describe", p, "--columns", "u,v", "--delimiter", "pipe", "--json")
    attrs = json.loads(r.stdout)["attributes"]
    assert [a["name"] for a in attrs] == ["u", "v"] and attrs[1]["zeros"] == 1 and attrs[0]["mean"] == 2


def pima_expected(X: np.ndarray) -> list[dict]:
    out = []
    for j, name in enumerate(D.PIMA_FEATURES):
        v = X[:, j]
        row = {"mean": v.mean(), "std": v.std(ddof=1), "zeros": int((v == 0).sum())}
        if name in D.PIMA_MISSING_AS_ZERO:
            nz = v[v != 0]
            row.update(mean_nonzero=nz.mean(), std_nonzero=nz.std(ddof=1), count_nonzero=nz.size)
        out.append(row)
    return out


def check_pima_report(report: dict, X: np.ndarray) -> None:
    assert [a["name"] for a in report["attributes"]] == D.PIMA_FEATURES
    for attr, expected in zip(report["attributes"], pima_expected(X)):
        for key, value in expected.items():
            assert attr[key] == pytest.approx(value, rel=1e-12), (attr["name"], key)
        if attr["name"] not in D.PIMA_MISSING_AS_ZERO:
            assert attr["mean_nonzero"] is None


def test_pima_without_a_file_is_the_labelled_synthetic_stand_in(monkeypatch):
    monkeypatch.delenv("BACKPROP_PIMA_DIR", raising=False)
    r = run_cli("describe", "pima")
    assert r.returncode == 0 and r.stdout.startswith("SYNTHETIC") and "NOT the real data" in r.stdout
    assert "Number of times pregnant" in r.stdout and "zeros" in r.stdout
    report = json.loads(run_cli("describe", "pima", "--json").stdout)
    assert report["synthetic"] and report["classes"] == {"negative": 500, "positive": 268}
    check_pima_report(report, D.make_synthetic_pima().X)


def test_pima_from_a_users_file(tmp_path):
    fake = D.make_synthetic_pima(random_state=11)
    p = tmp_path / "pima-indians-diabetes.data"
    p.write_text(pima_text(fake))
    r = run_cli("describe", "pima", "--data", p, "--json")
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "not the common copy" in r.stderr
    report = json.loads(r.stdout)
    assert not report["synthetic"] and report["source"] == str(p)
    check_pima_report(report, fake.X)
    r = run_cli("describe", "pima", env={"BACKPROP_PIMA_DIR": str(tmp_path)})
    assert r.returncode == 0 and f"read from {p}" in r.stdout and "SYNTHETIC" not in r.stdout


@pytest.mark.parametrize("args,code,pattern", [
    (["missing.csv"], 1, "no such file or dataset 'missing.csv'"),
    (["bad.csv"], 1, "column 'b' is not numeric: 'x' on line 3"),
    (["bad.csv", "--target", "zz"], 1, "unknown target column 'zz'; available: a, b"),
    (["pima", "--data", "bad.csv"], 1, "not the Pima Indians Diabetes layout"),
    (["bad.csv", "--header", "maybe"], 2, "invalid choice"),
    (["bad.csv", "--data", "x"], 2, "--data is only for"),
])
def test_errors_are_one_line_with_exit_codes(tmp_path, args, code, pattern):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3,x\n")
    r = run_cli("describe", *args, cwd=tmp_path)
    assert r.returncode == code, r.stderr
    assert pattern in r.stderr and "Traceback" not in r.stderr
    if code == 1:
        assert len(r.stderr.strip().splitlines()) == 1


def test_named_dataset():
    r = run_cli("describe", "spirals", "--json")
    report = json.loads(r.stdout)
    assert report["synthetic"] and report["rows"] == 194
    X = D.make_spirals().X
    assert report["attributes"][0]["std"] == pytest.approx(X[:, 0].std(ddof=1), rel=1e-12)
