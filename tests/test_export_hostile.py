"""Hostile class labels and feature names stay data in exported code (issue 12, item 1).

Labels come straight from a user's CSV.  Every exporter must embed them so
that the generated C compiles with ``-std=c99 -Wall -Wextra -pedantic
-Werror``, the generated Python imports, and both give back each label byte
for byte; a label can never become code.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess

import numpy as np
import pytest

from backprop import ConfigError, Model, Network
from backprop.export import export_model, to_c, to_python
from backprop.export.python import literal
from backprop.io import load_model
from conftest import run_cli
from test_export import _compile, _import, needs_cc

# A label that, written into a C comment, closes it and runs a shell command at program start.
INJECT = ("*/ int system(const char *); __attribute__((constructor)) static void injected(void) "
          "{ system((const char[]){'t','o','u','c','h',' ','P','W','N','E','D',0}); } /*")
SHELL = ["$(touch PWNED)", "`touch PWNED`", "; touch PWNED #"]
HOSTILE = [
    INJECT, *SHELL, "/* open", "*/", "//", "a\nb", "cr\r\nlf", "ends with ??/",
    "??=??(??)??'??<??!??>??-", "back\\slash", "trailing\\", 'say "hi"', "it's", "'''", '"""',
    "'); import os; os.system('touch PWNED'); ('",
    "nul\x00inside", "\x00", "\x001", "\x0012", "tab\tbell\x07esc\x1bdel\x7f", "%s%n%d",
    "é", "日本語", "😀", "\u2028\u2029", "\ufeffbom", "", " spaces ",
    "x" * 4095, "y" * 4096 + "\x00?",  # either side of the longest string literal C99 guarantees
]
FLOATS = [1.5, -0.0, 1e300, -7.25, 3.0]  # float labels (a model refuses NaN and inf ones)


def classifier(labels: list, seed: int = 0, names: list[str] | None = None) -> tuple[Model, np.ndarray]:
    """A softmax classifier over ``labels`` (random weights), and inputs spread over its classes."""
    n_in = len(names) if names else 3
    net = Network([n_in, 16, len(labels)], "tanh", "softmax", random_state=seed)
    net.params *= 8.0  # confident, varied predictions
    model = Model(net, "classification", None, "cross_entropy", feature_names=names)
    model.classes = list(labels)  # as held, past Model's own check (which refuses NaN labels)
    return model, np.random.default_rng(seed).normal(size=(60, n_in))


def predicted(model: Model, X: np.ndarray) -> list[int]:
    """The model's label indices (``Model.predict`` maps them through a NumPy str array, which
    drops trailing NULs: compare indices)."""
    return np.argmax(model.forward(X), axis=1).tolist()


def same(a, b) -> bool:
    """Equal labels, NaN equal to NaN, of the same type, -0.0 apart from 0.0."""
    return type(a) is type(b) and repr(a) == repr(b)


DRIVER = r"""#include <stdio.h>
#include "model.c"

static void hex(const char *what, int k, const char *(*get)(int, int *))
{
    int n = -1;
    const char *s = get(k, &n);
    printf("%s %d ", what, k);
    for (int i = 0; i < n; i++) printf("%02x", (unsigned char)s[i]);
    printf("\n");
}

int main(void)
{
    int n;
    double x[BACKPROP_N_INPUTS], out[BACKPROP_N_OUTPUTS];
#ifdef BACKPROP_N_FEATURE_NAMES
    for (int j = 0; j < BACKPROP_N_FEATURE_NAMES; j++) hex("name", j, backprop_feature_name);
    if (backprop_feature_name(-1, &n) || backprop_feature_name(BACKPROP_N_FEATURE_NAMES, 0)) return 3;
#endif
#ifdef BACKPROP_N_CLASSES
    for (int k = 0; k < BACKPROP_N_CLASSES; k++) hex("class", k, backprop_class_label);
    if (backprop_class_label(-1, &n) || backprop_class_label(BACKPROP_N_CLASSES, 0)) return 3;
#endif
    for (;;) {
        for (int i = 0; i < BACKPROP_N_INPUTS; i++)
            if (scanf("%lf", &x[i]) != 1) return 0;
        backprop_predict(x, out);
        printf("out");
        for (int k = 0; k < BACKPROP_N_OUTPUTS; k++) printf(" %.17g", out[k]);
#ifdef BACKPROP_N_CLASSES
        printf("\nlabel %d", backprop_predict_label(x));
#endif
        printf("\n");
    }
}
"""


def run_c(tmp_path, source: str, X: np.ndarray, real: str = "double") -> dict[str, list]:
    """Compile ``source`` with the driver (for an API in ``real``), run it in ``tmp_path``; what it
    printed, by kind."""
    (tmp_path / "model.c").write_text(source, encoding="utf-8")
    driver = DRIVER if real == "double" else DRIVER.replace("double x[", "float x[").replace('"%lf"', '"%f"')
    exe = _compile(tmp_path, driver, "driver", f"-I{tmp_path}")
    rows = "\n".join(" ".join(repr(float(v)) for v in x) for x in X) + "\n"
    run = subprocess.run([str(exe)], input=rows, capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    got: dict[str, list] = {"name": [], "class": [], "out": [], "label": []}
    for line in run.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind in ("name", "class"):
            k, _, data = rest.partition(" ")
            assert int(k) == len(got[kind])
            got[kind].append(bytes.fromhex(data))
        else:
            got[kind].append([float(v) for v in rest.split()] if kind == "out" else int(rest))
    return got


@needs_cc
def test_c_label_that_closes_a_comment_runs_nothing(tmp_path):
    # The old exporter listed labels in the header comment: INJECT ended it, and the program
    # compiled cleanly (-pedantic -Werror) and ran `touch PWNED` before main.
    model, X = classifier(["benign", INJECT])
    exe = _compile(tmp_path, to_c(model), "model", "-DBACKPROP_MAIN")
    rows = "\n".join(" ".join(repr(float(v)) for v in x) for x in X) + "\n"
    run = subprocess.run([str(exe)], input=rows, capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert not (tmp_path / "PWNED").exists(), "a class label ran as code"
    np.testing.assert_allclose([[float(v) for v in line.split()] for line in run.stdout.splitlines()],
                               model.forward(X), rtol=1e-9, atol=1e-12)


@needs_cc
def test_c_embeds_hostile_labels_and_names_byte_for_byte(tmp_path):
    names = HOSTILE[:8]  # as feature names too
    model, X = classifier(HOSTILE, seed=1, names=names)
    source = to_c(model)
    comments = "".join(line for line in source.splitlines() if line.lstrip().startswith(("/*", "*")))
    assert "PWNED" not in comments and "??" not in source  # nothing of theirs in a comment, no trigraph
    got = run_c(tmp_path, source, X)
    assert not (tmp_path / "PWNED").exists()
    assert got["class"] == [s.encode("utf-8") for s in HOSTILE]
    assert got["name"] == [s.encode("utf-8") for s in names]
    np.testing.assert_allclose(got["out"], model.forward(X), rtol=1e-9, atol=1e-12)
    assert got["label"] == predicted(model, X)
    assert len(set(got["label"])) >= 5  # the comparison covers several labels


@needs_cc
@pytest.mark.parametrize("numeric", ["float32", "q15", "int8"])
def test_every_c_numeric_format_embeds_hostile_labels_byte_for_byte(tmp_path, numeric):
    names = HOSTILE[:8]
    model, X = classifier(HOSTILE, seed=1, names=names)
    source = to_c(model, numeric=numeric, calibration=X if numeric != "float32" else None)
    comments = "".join(line for line in source.splitlines() if line.lstrip().startswith(("/*", "*")))
    assert "PWNED" not in comments and "??" not in source
    got = run_c(tmp_path, source, X, "float")
    assert not (tmp_path / "PWNED").exists()
    assert got["class"] == [s.encode("utf-8") for s in HOSTILE]
    assert got["name"] == [s.encode("utf-8") for s in names]
    agree = np.mean(np.array(got["label"]) == predicted(model, X))
    assert agree == 1.0 if numeric == "float32" else agree >= 0.9


@needs_cc
def test_c_non_string_labels_as_text(tmp_path):
    model, X = classifier(FLOATS, seed=2)
    got = run_c(tmp_path, to_c(model), X)
    assert got["class"] == [b"1.5", b"-0.0", b"1e+300", b"-7.25", b"3.0"]
    assert got["label"] == predicted(model, X)
    binary = Model(Network([3, 4, 1], "relu", "sigmoid", random_state=3), "classification",
                   [False, True], "binary_cross_entropy")
    assert run_c(tmp_path, to_c(binary), X)["class"] == [b"False", b"True"]


def test_non_finite_labels_are_refused_and_non_finite_literals_import():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ConfigError, match="class labels must be strings or finite numbers"):
            Model(Network([3, 2], "tanh", "softmax", random_state=0), "classification",
                  [bad, 1.0], "cross_entropy")
    # what the Python export writes for a non-finite float reads back as that float
    values = [math.nan, math.inf, -math.inf, -0.0, 1e-320]
    back = eval("[" + ", ".join(literal(v) for v in values) + "]", {"math": math})  # noqa: S307
    assert all(same(a, b) for a, b in zip(back, values))


@needs_cc
def test_regression_feature_names_in_c_and_python(tmp_path):
    net = Network([len(HOSTILE), 4, 2], "tanh", "identity", random_state=6)
    model = Model(net, "regression", feature_names=HOSTILE)
    X = np.random.default_rng(6).normal(size=(10, len(HOSTILE)))
    module = _import(export_model(model, tmp_path / "reg.py", "python"))
    assert module.FEATURE_NAMES == HOSTILE and module.CLASSES is None
    np.testing.assert_allclose([module.predict(list(x)) for x in X], model.predict(X), rtol=1e-12)
    got = run_c(tmp_path, to_c(model), X)
    assert got["name"] == [s.encode("utf-8") for s in HOSTILE] and got["class"] == []
    np.testing.assert_allclose(got["out"], model.predict(X), rtol=1e-9, atol=1e-12)


def test_python_module_keeps_hostile_and_non_finite_labels(tmp_path):
    for i, labels in enumerate([FLOATS, HOSTILE, [True, False], ["\udc80", "lone"]]):
        names = HOSTILE[:6]
        model, X = classifier(labels, seed=4 + i, names=names)
        path = export_model(model, tmp_path / f"hostile_{i}.py", "python")
        module = _import(path)  # the old exporter: NameError: name 'nan' is not defined
        path.read_bytes().decode("ascii")  # every label escaped: the module is plain ASCII
        assert len(module.CLASSES) == len(labels)
        assert all(same(a, b) for a, b in zip(module.CLASSES, labels))
        assert module.FEATURE_NAMES == names
        np.testing.assert_allclose([module.predict(list(x)) for x in X], model.forward(X),
                                   rtol=1e-12, atol=1e-12)
        assert all(same(module.predict_label(list(x)), labels[k])
                   for x, k in zip(X, predicted(model, X)))
    assert not list(tmp_path.glob("PWNED"))


def test_onnx_metadata_round_trips_hostile_labels(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    for i, labels in enumerate([HOSTILE, FLOATS]):
        model, X = classifier(labels, seed=8 + i, names=HOSTILE[:5])
        path = export_model(model, tmp_path / f"hostile_{i}.onnx", "onnx")
        meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
        assert all(same(a, b) for a, b in zip(json.loads(meta["classes"]), labels))
        assert json.loads(meta["feature_names"]) == HOSTILE[:5]
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        scores, index = session.run(None, {"X": X.astype(np.float32)})
        np.testing.assert_allclose(scores, model.forward(X), rtol=1e-5, atol=1e-5)
        assert index.tolist() == predicted(model, X)


# Labels a CSV cell can hold (the reader strips cells, and quoted fields should not span lines).
CSV_LABELS = [INJECT, *SHELL, "/* open", "ends with ??/", "??=??(", "back\\slash", 'say "hi"',
              "nul\x00inside", "semi;colon,comma", "é😀"]


@needs_cc
def test_cli_train_export_with_hostile_csv_labels(tmp_path):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(len(CSV_LABELS) * 6, 2))
    y = [CSV_LABELS[i % len(CSV_LABELS)] for i in range(len(X))]
    with open(tmp_path / "data.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["x1", "x2", "label"])
        writer.writerows([repr(float(a)), repr(float(b)), c] for (a, b), c in zip(X, y))
    r = run_cli("train", "data.csv", "--target", "label", "--hidden", "8", "--epochs", "5",
                "--seed", "0", "--out", "m.bp", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    model = load_model(tmp_path / "m.bp")
    assert model.classes == sorted(CSV_LABELS)
    for fmt in ("c", "python"):
        r = run_cli("export", "m.bp", "--format", fmt, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.startswith("wrote "), r.stderr
    got = run_c(tmp_path, (tmp_path / "m.c").read_text(encoding="utf-8"), X)
    assert got["class"] == [s.encode("utf-8") for s in sorted(CSV_LABELS)]
    assert got["name"] == [b"x1", b"x2"]
    expected = model.predict(X).tolist()
    assert [model.classes[k] for k in got["label"]] == expected
    module = _import(tmp_path / "m.py")
    assert module.CLASSES == sorted(CSV_LABELS)
    assert [module.predict_label(list(x)) for x in X] == expected
    assert not (tmp_path / "PWNED").exists()


def test_labels_that_cannot_be_literals_are_refused():
    model, _ = classifier(["a", "b"])
    model.classes = ["a", ("b",)]
    for fn in (to_c, to_python):
        with pytest.raises(ConfigError, match="class label 1 is a tuple; exported labels must be str"):
            fn(model)
