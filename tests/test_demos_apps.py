"""`backprop demo pima | breast-cancer | digits` end to end, and the shared report's pieces.

The Pima tests never use real rows: without a file the demo runs on the synthetic
stand-in, and the "user's copy" is a file of synthetic rows written here.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys

import numpy as np
import pytest

from backprop import datasets
from backprop.demos import _report, pima
from conftest import SRC, run_cli

NO_PIMA = {datasets.PIMA_ENV: ""}
CV_LINE = re.compile(r"^  (\S.*?)\s+accuracy ([0-9.]+) \+- ([0-9.]+)(\s+\[SYNTHETIC\])?$")
TEST_LINE = re.compile(r"^  (\S.*?)\s+accuracy ([0-9.]+)(\s+\[SYNTHETIC\])?$")
MATRIX_ROW = re.compile(r"^\s+(\S+)((?:\s+\d+)+)(\s+\[SYNTHETIC\])?$")


def parse(out: str) -> dict:
    """The numbers of a report: CV mean/sd per model, held-out accuracy per model, the matrix."""
    lines = out.splitlines()
    r = {"cv": {}, "test": {}, "matrix": []}
    section = None
    for i, line in enumerate(lines):
        if "-fold stratified cross-validation" in line:
            section = "cv"
        elif line.startswith("held-out test set:"):
            section = "test"
            r["n_test"] = int(re.search(r"held-out test set: (\d+) rows", line).group(1))
        elif line.startswith("confusion matrix"):
            for row in lines[i + 2:]:
                m = MATRIX_ROW.match(row)
                if not m:
                    break
                r["matrix"].append([int(v) for v in m.group(2).split()])
            section = None
        elif section == "cv" and (m := CV_LINE.match(line)):
            r["cv"][m.group(1)] = (float(m.group(2)), float(m.group(3)))
        elif section == "test" and (m := TEST_LINE.match(line)):
            r["test"][m.group(1)] = float(m.group(2))
    r["matrix"] = np.array(r["matrix"])
    return r


def check_report(r: dict, n_classes: int, n_test: int, folds: bool = True) -> None:
    models = r["test"]
    assert len(models) == 3 and "logistic regression (scikit-learn)" in models and "majority class" in models
    mlp = next(n for n in models if n.startswith("MLP"))
    for acc in models.values():
        assert 0.0 <= acc <= 1.0
    if folds:
        assert set(r["cv"]) == set(models)
        for mean, sd in r["cv"].values():
            assert 0.0 <= mean <= 1.0 and 0.0 <= sd <= 1.0
    C = r["matrix"]
    assert C.shape == (n_classes, n_classes)
    assert r["n_test"] == n_test and C.sum() == n_test
    # the printed accuracy of the MLP is the matrix's diagonal share
    assert abs(np.trace(C) / C.sum() - models[mlp]) < 5e-5


def test_pima_without_data_runs_on_labelled_synthetic_stand_in():
    r = run_cli("demo", "pima", "--quick", env=NO_PIMA)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("SYNTHETIC -- Pima")
    notes = [line for line in r.stderr.splitlines() if "no copy of the Pima data" in line]
    assert len(notes) == 1 and "SYNTHETIC" in notes[0]
    for line in out.splitlines()[1:]:
        if re.search(r"accuracy|^\s+\S+(\s+\d+)+|\d+ rows", line):
            assert line.endswith("[SYNTHETIC]"), line
    rep = parse(out)
    check_report(rep, 2, 192)
    assert all(line.endswith("[SYNTHETIC]") for line in out.splitlines() if "accuracy" in line)
    assert rep["cv"]["MLP 8-8-1"][0] > rep["cv"]["majority class"][0]


def test_pima_with_a_user_file_is_not_labelled_synthetic_and_warns_about_the_checksum(tmp_path):
    fake = datasets.make_synthetic_pima(random_state=7)       # synthetic rows in the real layout
    path = tmp_path / "pima-indians-diabetes.data"
    np.savetxt(path, np.column_stack([fake.X, fake.y]), fmt="%g", delimiter=",")
    r = run_cli("demo", "pima", "--quick", "--folds", "2", "--seed", "3", "--data", path, env=NO_PIMA)
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC" not in r.stdout
    assert "not the common copy" in r.stderr and "no copy" not in r.stderr
    assert f"read from {path}" in r.stdout
    check_report(parse(r.stdout), 2, 192)


def test_pima_load_reads_the_directory_in_the_environment(tmp_path, monkeypatch, capsys):
    fake = datasets.make_synthetic_pima(random_state=8)
    np.savetxt(tmp_path / "diabetes.csv", np.column_stack([fake.X, fake.y]), fmt="%g", delimiter=",")
    monkeypatch.setenv(datasets.PIMA_ENV, str(tmp_path))
    data, file = pima.load(None)
    assert not data.synthetic and file == tmp_path / "diabetes.csv"
    np.testing.assert_allclose(data.X, fake.X, rtol=1e-5)
    assert "not the common copy" in capsys.readouterr().err
    monkeypatch.setenv(datasets.PIMA_ENV, "")
    data, file = pima.load(None)
    assert data.synthetic and file is None


def test_pima_bad_file_is_one_line_error(tmp_path):
    bad = tmp_path / "pima.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    r = run_cli("demo", "pima", "--data", bad, env=NO_PIMA)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "found 3 column(s)" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("argv, code, message", [
    (["--folds", "1"], 1, "--folds must be 0"),
    (["--hidden", "8,x"], 2, "--hidden: expected a comma-separated list of integers"),
    (["--hidden", "8,0"], 2, "--hidden: each value must be an integer in [1, 10000]"),
    (["--test-fraction", "1.5"], 2, "--test-fraction: must be a finite number in (0, 1)"),
])
def test_bad_settings_are_one_line_errors(argv, code, message):
    r = run_cli("demo", "breast-cancer", *argv)
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr


def test_breast_cancer_reaches_95_percent_over_seeds():
    cv_means = []
    for seed in range(3):
        r = run_cli("demo", "breast-cancer", "--quick", "--seed", seed)
        assert r.returncode == 0, r.stderr
        rep = parse(r.stdout)
        check_report(rep, 2, 143)
        assert "SYNTHETIC" not in r.stdout
        assert len(re.findall(r"fold \d/5", r.stderr)) == 5
        cv_means.append(rep["cv"]["MLP 30-16-1"][0])
    assert np.median(cv_means) >= 0.95


def test_digits_softmax_network_and_picture_of_mistakes(tmp_path):
    r = run_cli("demo", "digits", "--quick", "--folds", "0", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    rep = parse(r.stdout)
    check_report(rep, 10, 450, folds=False)
    assert rep["test"]["MLP 64-128-10"] >= 0.95
    C = rep["matrix"]
    y = datasets.load_digits().y
    _, te = _report.held_out_split(y, 0.25, 0)
    np.testing.assert_array_equal(C.sum(axis=1), np.bincount(y[te], minlength=10))   # rows: true class
    wrong = int(re.search(r"misclassified by the MLP 64-128-10: (\d+) of 450", r.stdout).group(1))
    assert wrong == C.sum() - np.trace(C)
    png = tmp_path / "digits-misclassified.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"picture of {min(wrong, 60)} misclassified digits" in r.stdout


def _idx(a: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in a.shape)
    return head + a.astype(np.uint8).tobytes()


def test_digits_on_local_mnist_files(tmp_path, rng):
    """Tiny made-up IDX files (a bar whose row encodes the digit) in MNIST's file names."""
    for kind, n in (("train", 200), ("t10k", 40)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 40, (n, 28, 28))
        for i, d in enumerate(labels):
            images[i, 2 + 2 * d: 4 + 2 * d, 4:24] = 255
        (tmp_path / f"{kind}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(images)))
        (tmp_path / f"{kind}-labels-idx1-ubyte").write_bytes(_idx(labels))
    r = run_cli("demo", "digits", "--mnist", tmp_path, "--quick", "--out", tmp_path / "pics")
    assert r.returncode == 0, r.stderr
    rep = parse(r.stdout)
    check_report(rep, 10, 40, folds=False)
    assert "cross-validation" not in r.stdout and "MLP 784-128-10" in rep["test"]
    assert (tmp_path / "pics" / "digits-misclassified.png").is_file()


def test_demo_modules_import_without_scikit_learn_or_matplotlib():
    code = ("import sys; from backprop.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC)}, check=True).stdout
    assert out.strip() == "[]"


def test_confusion_matrix_matches_scikit_learn(rng):
    from sklearn.metrics import confusion_matrix
    y, pred = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    np.testing.assert_array_equal(_report.confusion_matrix(y, pred, 4),
                                  confusion_matrix(y, pred, labels=range(4)))


def test_cross_validation_fits_preprocessing_on_training_folds_only(rng):
    """Every fold: the chain sees exactly the training rows; the folds partition the data."""
    from backprop.demos._models import FitInfo

    class Spy:
        fitted: list = []

        def fit_transform(self, X):
            Spy.fitted.append(X.copy())
            return X

        def transform(self, X):
            return X

    class Echo:
        def name(self, n_in, n_classes):
            return "echo"

        def fit_predict(self, Z, y, Z_test, n_classes, seed):
            return Z_test[:, 1].astype(np.int64), FitInfo()       # column 1 holds the label

    X = np.column_stack([np.arange(60.0), np.repeat([0, 1, 2], 20)])
    y = X[:, 1].astype(np.int64)
    ev = _report.cross_validate([Echo()], Spy, X, y, 3, 4, seed=0, demo="test")
    splits = _report.stratified_folds(y, 4, 0)
    tested = np.concatenate([te for _, te in splits])
    assert sorted(tested) == list(range(60))
    for seen, (tr, te) in zip(Spy.fitted, splits):
        assert sorted(seen[:, 0]) == sorted(tr) and not set(seen[:, 0]) & set(te)
    np.testing.assert_array_equal(ev.accuracy, 1.0)
