"""Exported models (ONNX, pure Python, C) compute what the model computes."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess

import numpy as np
import pytest

from backprop import ConfigError, activations, cli
from backprop.export import export_model, to_c, to_python
from backprop.io import save_model
from conftest import run_cli
from test_io import make_model

HIDDEN = {"softmax": "tanh"}
CASES = [("multiclass", HIDDEN.get(a, a), a) for a in activations.available()] + [
    ("binary", "relu", "sigmoid"), ("binary", "step", "step"), ("regression", "sigmoid", "identity")]
IDS = [f"{kind}-{hidden}-{out}" for kind, hidden, out in CASES]


def expected(model, X):
    """What the exported ``output`` must hold: class scores, or regression predictions."""
    if model.task == "classification":
        return model.forward(X)
    return model.predict(X).reshape(len(X), -1)


def test_every_activation_is_covered():
    assert {out for _, _, out in CASES} | {h for _, h, _ in CASES} == set(activations.available())


@pytest.mark.parametrize("kind, hidden, out", CASES, ids=IDS)
def test_onnx_matches_model_in_float32(kind, hidden, out):
    ort = pytest.importorskip("onnxruntime")
    from backprop.export import to_onnx
    model, X = make_model(kind, np.float32, seed=1, hidden=hidden, out=out)
    X = X.astype(np.float32)
    session = ort.InferenceSession(to_onnx(model).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    results = session.run(None, {"X": X})
    np.testing.assert_allclose(results[0], expected(model, X), rtol=1e-6, atol=1e-6)
    if model.task == "classification":
        np.testing.assert_array_equal(np.asarray(model.classes)[results[1]], model.predict(X))


def _import(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind, hidden, out", CASES, ids=IDS)
def test_python_module_matches_model_in_float64(tmp_path, kind, hidden, out):
    model, X = make_model(kind, np.float64, seed=2, hidden=hidden, out=out)
    path = export_model(model, tmp_path / "exported_model.py", "python")
    tree = ast.parse(path.read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    assert imported == {"math"}
    module = _import(path)
    got = np.array([module.predict(list(x)) for x in X])
    np.testing.assert_allclose(got, expected(model, X), rtol=1e-12, atol=1e-12)
    if model.task == "classification":
        assert [module.predict_label(x) for x in X] == model.predict(X).tolist()


needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2"]


def _compile(tmp_path, source, name, *flags):
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    exe = tmp_path / name
    subprocess.run(["cc", *CFLAGS, *flags, str(src), "-o", str(exe), "-lm"], check=True,
                   capture_output=True, text=True)
    return exe


@needs_cc
@pytest.mark.parametrize("kind, hidden, out", CASES, ids=IDS)
def test_c_program_matches_model(tmp_path, kind, hidden, out):
    model, X = make_model(kind, np.float64, seed=3, hidden=hidden, out=out)
    exe = _compile(tmp_path, to_c(model), "model", "-DBACKPROP_MAIN")
    rows = "\n".join(" ".join(repr(float(v)) for v in x) for x in X) + "\n"
    run = subprocess.run([str(exe)], input=rows, capture_output=True, text=True, check=True)
    got = np.array([[float(v) for v in line.split()] for line in run.stdout.splitlines()])
    np.testing.assert_allclose(got, expected(model, X), rtol=1e-9, atol=1e-9)


@needs_cc
@pytest.mark.parametrize("kind", ["multiclass", "binary"])
def test_c_labels_and_library_build(tmp_path, kind):
    model, X = make_model(kind, np.float64, seed=4)
    source = to_c(model)
    assert [line for line in source.splitlines() if line.startswith("#include")] == \
        ["#include <math.h>", "#include <stdio.h>"]  # stdio only inside #ifdef BACKPROP_MAIN
    (tmp_path / "model.c").write_text(source)
    subprocess.run(["cc", *CFLAGS, "-c", str(tmp_path / "model.c"), "-o", str(tmp_path / "model.o")],
                   check=True, capture_output=True)
    driver = ('#include <stdio.h>\n#include "model.c"\nint main(void) {\n'
              '    double x[BACKPROP_N_INPUTS];\n    for (;;) {\n'
              '        for (int i = 0; i < BACKPROP_N_INPUTS; i++)\n'
              '            if (scanf("%lf", &x[i]) != 1) return 0;\n'
              '        printf("%d\\n", backprop_predict_label(x));\n    }\n}\n')
    exe = _compile(tmp_path, driver, "labels", f"-I{tmp_path}")
    rows = "\n".join(" ".join(repr(float(v)) for v in x) for x in X) + "\n"
    run = subprocess.run([str(exe)], input=rows, capture_output=True, text=True, check=True)
    labels = [model.classes[int(i)] for i in run.stdout.split()]
    assert labels == model.predict(X).tolist()


class Square:
    """A transformer with no export_ops: not representable in exported code."""

    def transform(self, X):
        return np.asarray(X, float) ** 2


def test_unexportable_preprocessing_is_refused_or_left_out(tmp_path):
    model, X = make_model("binary", seed=5)
    model.preprocessing.append(Square())
    for fn in (to_python, to_c):
        with pytest.raises(ConfigError, match="preprocessing step 1 \\(Square\\) cannot be exported"):
            fn(model)
    module = _import(export_model(model, tmp_path / "net_only.py", "python",
                                  include_preprocessing=False))
    Xt = model.transform(X)
    np.testing.assert_allclose([module.predict(list(x)) for x in Xt], model.network.forward(Xt),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ConfigError, match="unknown export format 'java'; valid choices: onnx"):
        export_model(model, tmp_path / "m.java", "java")


def test_cli_export(tmp_path, capsys):
    model, X = make_model("multiclass", seed=6)
    path = save_model(tmp_path / "iris.bp", model)
    assert cli.main(["export", str(path), "--format", "python"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'iris.py'}"
    module = _import(tmp_path / "iris.py")
    assert [module.predict_label(x) for x in X] == model.predict(X).tolist()
    out = tmp_path / "other.c"
    assert cli.main(["export", str(path), "-f", "c", "--out", str(out)]) == 0
    assert out.read_text() == to_c(model)

    path.write_bytes(b"a,b\n1,2\n")
    assert cli.main(["export", str(path), "--format", "onnx"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("backprop export: error: ") and "not a backprop model file" in err
    assert "\n" not in err


def test_cli_export_onnx_in_a_subprocess(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model, X = make_model("regression", np.float32, seed=7)
    model.preprocessing, model.target_transform = [], None  # test classes: unknown in a subprocess
    save_model(tmp_path / "reg.bp", model)
    r = run_cli("export", "reg.bp", "--format", "onnx", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    session = ort.InferenceSession(str(tmp_path / "reg.onnx"), providers=["CPUExecutionProvider"])
    X = X.astype(np.float32)
    np.testing.assert_allclose(session.run(None, {"X": X})[0], model.predict(X), rtol=1e-6, atol=1e-6)
    r = run_cli("export", "missing.bp", "--format", "c", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "missing.bp" in r.stderr
