"""Parallel trainings: joblib and a Dask cluster give exactly the local, sequential results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop import ConfigError
from backprop.training import ConvergenceWarning, TrainingDiverged
from backprop import sweep as S
from conftest import run_cli


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


GRID = {"learning_rate": [0.01, 0.1], "hidden": ["4", "3x3"], "epochs": [5]}


def test_parse_grid_and_errors():
    g = S.parse_grid(["learning_rate=0.01,0.1", "hidden=8,16x8", "batch-size=4"])
    assert g == {"learning_rate": [0.01, 0.1], "hidden": ["8", "16x8"], "batch_size": [4]}
    for bad in (["lr=0.1"], ["learning_rate"], ["epochs=ten"]):
        with pytest.raises(ConfigError, match="grid item"):
            S.parse_grid(bad)


def test_grid_search_points_and_joblib_equal_sequential():
    X, y = data()
    seq = S.grid_search(X, y, GRID, classification=True, n_jobs=1)
    assert [(r["learning_rate"], r["hidden"]) for r in seq] == [
        (0.01, "4"), (0.01, "3x3"), (0.1, "4"), (0.1, "3x3")]
    assert all(0 <= r["metric"] <= 1 and r["val_loss"] > 0 for r in seq)
    assert seq == S.grid_search(X, y, GRID, classification=True, n_jobs=2)


def test_a_diverging_setting_scores_inf_without_warnings(recwarn):
    X, _ = data()
    y = 2 * X[:, 0] + X[:, 1]
    res = S.grid_search(X, y, {"learning_rate": [0.01, 5.0], "optimizer": ["sgd"], "epochs": [20]},
                        classification=False, n_jobs=1)
    assert np.isfinite(res[0]["val_loss"]) and 0 < res[0]["metric"] < 1
    assert res[1]["val_loss"] == np.inf and np.isnan(res[1]["metric"])
    assert not [w for w in recwarn if issubclass(w.category, (ConvergenceWarning, TrainingDiverged))]


def test_dask_local_cluster_equals_local_run():
    distributed = pytest.importorskip("distributed")
    from backprop.compare import compare
    X, y = data()
    local = S.grid_search(X, y, GRID, classification=True, n_jobs=1)
    kw = dict(tasks=["xor"], optimizers=["SGD", "Adam"], seeds=2, search_seeds=1,
              lr_grid=(0.5,), epochs={"xor": 20})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None, protocol="tcp", host="127.0.0.1") as cluster:
        with distributed.Client(cluster) as client:
            assert S.grid_search(X, y, GRID, classification=True, scheduler=client) == local
            remote = compare(scheduler=client, **kw)
        # an address string: run_jobs connects (and disconnects) by itself
        assert S.grid_search(X, y, GRID, True, scheduler=cluster.scheduler_address) == local
    here = compare(n_jobs=1, **kw)
    for a, b in zip(remote["runs"], here["runs"], strict=True):
        np.testing.assert_array_equal(a["loss"], b["loss"])
        np.testing.assert_array_equal(a["val_loss"], b["val_loss"])


def test_sweep_cli_on_csv(tmp_path):
    X, y = data(40)
    path = tmp_path / "d.csv"
    labels = np.where(y == 1, "yes", "no")
    path.write_text("a,b,c,label\n" + "".join(f"{r[0]},{r[1]},{r[2]},{t}\n" for r, t in zip(X, labels)))
    r = run_cli("sweep", path, "--target", "label", "--grid", "learning_rate=0.01,0.1", "hidden=4",
                "--epochs", "5", "--jobs", "1", "--out", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("| ") and "val_loss" not in l]
    assert len(lines) == 2
    got = json.loads((tmp_path / "r.json").read_text())
    assert sorted(g["learning_rate"] for g in got) == [0.01, 0.1]
    vals = [float(l.split("|")[3]) for l in lines]
    assert vals == sorted(vals)                                  # best first
    r = run_cli("sweep", path, "--target", "nope", "--grid", "hidden=4")
    assert r.returncode == 1 and "no column 'nope'" in r.stderr and "Traceback" not in r.stderr


def test_json_output_is_valid_json_even_when_a_setting_diverges(tmp_path):
    """JSON has no Infinity or NaN: a diverged setting's val_loss is written as null."""
    import json as _json

    from backprop._jsonsafe import json_safe
    data = {"val_loss": float("inf"), "metric": np.float64("nan"), "grid": (0.1, np.float32(2.0)),
            "arr": np.array([1.0, np.inf])}
    text = _json.dumps(json_safe(data), allow_nan=False)
    assert _json.loads(text) == {"val_loss": None, "metric": None, "grid": [0.1, 2.0], "arr": [1.0, None]}
