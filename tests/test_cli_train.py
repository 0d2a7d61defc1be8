"""``backprop train / predict / evaluate`` end to end in subprocesses; evaluation measures vs scikit-learn."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from backprop.evaluation import classification_scores, regression_scores, roc_auc
from conftest import run_cli

sk_metrics = pytest.importorskip("sklearn.metrics")


def _write(path, header, rows, sep=","):
    with open(path, "w") as f:
        if header:
            f.write(sep.join(header) + "\n")
        for r in rows:
            f.write(sep.join(str(v) for v in r) + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    cls = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    y = X @ [1.0, -2.0, 0.5] + 0.05 * rng.normal(size=120)
    colour = np.array(["red", "blue"])[(X[:, 2] > 0).astype(int)]
    out = {"dir": d}
    out["cls"] = _write(d / "cls.csv", ["a", "b", "c", "colour", "label"],
                        [(*x, col, c) for x, col, c in zip(X, colour, cls)])
    out["reg"] = _write(d / "reg.csv", None, [(*x, t) for x, t in zip(X, y)], sep=";")
    # the prediction file: columns in another order, no label column
    out["cls_new"] = _write(d / "new.csv", ["colour", "c", "b", "a"],
                            [(col, x[2], x[1], x[0]) for x, col in zip(X[:10], colour)])
    return out


def _one_line_error(r, code=(1,)):
    assert r.returncode in code, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_help_of_every_subcommand():
    for cmd in ("train", "predict", "evaluate"):
        r = run_cli(cmd, "--help")
        assert r.returncode == 0 and f"usage: backprop {cmd}" in r.stdout


@pytest.mark.parametrize("args,where", [
    ((), "backprop: "), (("nope",), "backprop: "),
    (("train", "x.csv", "--target", "y", "--bogus"), "backprop train: "),
    (("describe", "x.csv", "--header", "maybe"), "backprop describe: "),
    (("export", "m.bp", "--format", "zip"), "backprop export: "),
    (("demo", "nope"), "backprop demo: "),
])
def test_usage_errors_of_every_command_are_one_line(args, where):
    line = _one_line_error(run_cli(*args), (2,))
    assert line.startswith(where) and "--help" in line


@pytest.fixture(scope="module")
def trained(files):
    d = files["dir"]
    return run_cli("train", files["cls"], "--target", "label", "--one-hot", "--hidden", "8",
                   "--activation", "tanh", "--learning-rate", "0.02", "--epochs", "150",
                   "--early-stopping", "--validation-fraction", "0.2", "--scale", "standard",
                   "--seed", "0", "--out", d / "c.bp", "--quiet")


def test_classification_end_to_end(files, trained):
    d, r = files["dir"], trained
    assert r.returncode == 0, r.stderr
    assert "classification" in r.stdout and "epochs" in r.stdout and f"saved {d / 'c.bp'}" in r.stdout
    r = run_cli("predict", d / "c.bp", files["cls_new"], "--proba", "--out", d / "p.csv")
    assert r.returncode == 0, r.stderr
    head, *rows = (d / "p.csv").read_text().splitlines()
    assert head == "label,P(no),P(yes)" and len(rows) == 10
    p = np.array([[float(v) for v in row.split(",")[1:]] for row in rows])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    r = run_cli("evaluate", d / "c.bp", files["cls"], "--target", "label", "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    r = run_cli("predict", d / "c.bp", files["cls"], "--proba")      # to stdout; label column ignored
    r_file = run_cli("predict", d / "c.bp", files["cls"], "--proba", "--out", d / "p_all.csv")
    assert r_file.returncode == 0 and r.stdout == (d / "p_all.csv").read_text()  # the same writer
    lines = r.stdout.splitlines()[1:]
    pred = [line.split(",")[0] for line in lines]
    score = np.array([float(line.split(",")[2]) for line in lines])
    truth = [line.rsplit(",", 1)[1] for line in files["cls"].read_text().splitlines()[1:]]
    assert rep["accuracy"] == pytest.approx(sk_metrics.accuracy_score(truth, pred)) and rep["accuracy"] > 0.85
    assert rep["confusion_matrix"] == sk_metrics.confusion_matrix(truth, pred, labels=["no", "yes"]).tolist()
    assert rep["roc_auc"] == pytest.approx(sk_metrics.roc_auc_score([t == "yes" for t in truth], score))
    np.testing.assert_allclose(rep["f1"], sk_metrics.f1_score(truth, pred, average=None))


def test_regression_end_to_end(files):
    d = files["dir"]
    r = run_cli("train", files["reg"], "--target", "y", "--columns", "u,v,w,y", "--hidden", "16",
                "--learning-rate", "0.01", "--epochs", "300", "--batch-size", "32", "--seed", "1",
                "--out", d / "r.bp", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "regression" in r.stdout and "R^2" in r.stdout
    r = run_cli("evaluate", d / "r.bp", files["reg"], "--json")
    rep = json.loads(r.stdout)
    r = run_cli("predict", d / "r.bp", files["reg"])                  # target column present: ignored
    pred = np.array([float(v) for v in r.stdout.splitlines()[1:]])
    y = np.loadtxt(files["reg"], delimiter=";")[:, 3]
    assert rep["r2"] == pytest.approx(sk_metrics.r2_score(y, pred)) and rep["r2"] > 0.95
    assert rep["rmse"] == pytest.approx(np.sqrt(sk_metrics.mean_squared_error(y, pred)))
    assert rep["mae"] == pytest.approx(sk_metrics.mean_absolute_error(y, pred))
    r = run_cli("predict", d / "r.bp", files["reg"], "--proba")
    assert "--proba needs a classification model" in _one_line_error(r, (2,))


def test_bad_inputs_are_one_line_errors_and_leave_no_files(files, trained, tmp_path):
    cls = files["cls"]
    _write(tmp_path / "empty.csv", None, [])
    _write(tmp_path / "text.csv", ["a", "b", "y"], [(1, 2, 0), (3, "oops", 1), (4, 5, 0)])
    _write(tmp_path / "nan.csv", ["a", "b", "y"], [(1, 2, 0), (3, "NA", 1), (4, 5, 0), (1, 1, 1)])
    _write(tmp_path / "nan_new.csv", ["a", "b", "c", "colour"], [(1, "NA", 2, "red")])
    (tmp_path / "corrupt.bp").write_bytes(b"PK\x03\x04" + os.urandom(200))
    (tmp_path / "pickle.bp").write_bytes(pickle.dumps({"a": 1}))
    before = set(os.listdir(tmp_path))
    out = ["--out", tmp_path / "m.bp", "--epochs", "3", "--quiet"]
    cases = [
        (("train", tmp_path / "missing.csv", "--target", "y", *out), "not found"),
        (("train", cls, "--target", "nope", *out), "unknown target column 'nope'"),
        (("train", tmp_path / "text.csv", "--target", "y", *out), "'oops'"),
        (("train", tmp_path / "empty.csv", "--target", "y", *out), "empty"),
        (("train", tmp_path / "nan.csv", "--target", "y", *out), "--impute mean"),
        (("train", cls, "--target", "label", "--out", tmp_path / "no" / "m.bp"), "does not exist"),
        (("predict", tmp_path / "corrupt.bp", cls), "corrupt"),
        (("predict", tmp_path / "pickle.bp", cls), "pickle"),
        (("evaluate", tmp_path / "missing.bp", cls), "No such file"),
        (("predict", files["dir"] / "c.bp", tmp_path / "nan_new.csv"), "the model does not impute them"),
    ]
    for args, message in cases:
        assert message in _one_line_error(run_cli(*args))
    assert "--early-stopping" in _one_line_error(
        run_cli("train", cls, "--target", "label", "--validation-fraction", "0.2", *out), (2,))
    assert _one_line_error(run_cli("train", cls, "--target", "label", "--optimizer", "nope"), (2,))
    assert set(os.listdir(tmp_path)) == before                   # nothing half-written


def test_mismatched_columns_at_predict(files, trained, tmp_path):
    d = files["dir"]
    assert trained.returncode == 0, trained.stderr
    _write(tmp_path / "few.csv", ["a", "b", "colour"], [(1, 2, "red")])
    _write(tmp_path / "more.csv", ["a", "b", "c", "colour", "zzz"], [(1, 2, 3, "red", 4)])
    _write(tmp_path / "cat.csv", ["a", "b", "c", "colour"], [(1, 2, 3, "green")])
    assert "lacks column(s) 'c'" in _one_line_error(run_cli("predict", d / "c.bp", tmp_path / "few.csv"))
    assert "'zzz'" in _one_line_error(run_cli("predict", d / "c.bp", tmp_path / "more.csv",
                                              "--out", tmp_path / "p.csv"))
    assert "'green'" in _one_line_error(run_cli("predict", d / "c.bp", tmp_path / "cat.csv"))
    assert not (tmp_path / "p.csv").exists()


def test_evaluation_measures_match_sklearn():
    rng = np.random.default_rng(3)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    p[:5] = 3
    s = classification_scores(t, p, 4)
    assert s["confusion_matrix"].tolist() == sk_metrics.confusion_matrix(t, p).tolist()
    pr, rc, f1, sup = sk_metrics.precision_recall_fscore_support(t, p, zero_division=0)
    np.testing.assert_allclose(s["precision"], pr)
    np.testing.assert_allclose(s["recall"], rc)
    np.testing.assert_allclose(s["f1"], f1)
    score = np.round(rng.random(200), 1)                          # many ties
    assert roc_auc(t == 1, score) == pytest.approx(sk_metrics.roc_auc_score(t == 1, score))
    y, q = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    r = regression_scores(y, q)
    assert r["r2"] == pytest.approx(sk_metrics.r2_score(y, q))
    assert r["mae"] == pytest.approx(sk_metrics.mean_absolute_error(y, q))
    assert r["rmse"] == pytest.approx(sk_metrics.root_mean_squared_error(y, q))
