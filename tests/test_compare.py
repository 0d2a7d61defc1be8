"""backprop compare: the protocol's pieces against direct computations, and a reduced run end to end."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from backprop import ConfigError
from backprop import _compare_report as rep
from backprop import compare as C
from conftest import run_cli


def test_vectorised_group_equals_one_network_at_a_time():
    import warnings

    from backprop import Network, fit, optim
    a = C.train_group("breast-cancer", "Momentum", "sgd", {"momentum": 0.9}, 0.05, [3, 7], epochs=3)
    task = C.prepare_task("breast-cancer")
    spec = task["spec"]
    for k, seed in enumerate([3, 7]):   # each seed trained alone by the trainer
        net = Network(task["layers"], activation="tanh", output_activation="sigmoid", random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = fit(net, task["X"], task["T"], optimizer=optim.get("sgd", momentum=0.9, learning_rate=0.05),
                    epochs=3, batch_size=spec.batch_size, loss=spec.loss, reduction="mean",
                    validation_data=(task["Xv"], task["Tv"]), random_state=seed, progress=False)
        np.testing.assert_allclose(a["loss"][:, k], h["loss"], rtol=1e-9)
        np.testing.assert_allclose(a["val_loss"][:, k], h["val_loss"], rtol=1e-9)
        acc = np.mean((net.forward(task["Xv"])[:, 0] >= 0.5) == task["Tv"])
        assert a["metric"][k] == pytest.approx(acc)


def test_baseline_is_the_best_constant_prediction():
    task = C.prepare_task("digits")
    p = np.bincount(task["T"], minlength=10) / len(task["T"])
    assert C._baseline(task) == pytest.approx(-np.mean(np.log(p[task["Tv"]])))
    for c in (0.05, 0.2):                       # any other constant distribution does worse
        q = (1 - c) * p + c / 10
        assert -np.mean(np.log(q[task["Tv"]])) > C._baseline(task) - 0.05


def fake_run(label, losses, val_final, K=4, E=10):
    loss = np.array(losses, float).reshape(E, K)
    val = np.ones((E, K))
    val[-1] = val_final
    return {"task": "t", "label": label, "learning_rate": 0.1, "baseline": 1.0, "seeds": list(range(K)),
            "loss": loss, "val_loss": val, "time": np.arange(1, E + 1) * 0.4,
            "metric": np.full(K, 0.9)}


def test_stars_follow_the_documented_thresholds():
    E = 10
    down = np.linspace(1, 0.001, E)                   # reaches target 0.05 at some epoch
    fast = np.repeat((down ** 3)[:, None], 4, axis=1)     # reaches target earlier
    slow = np.repeat(down[:, None], 4, axis=1)
    never = np.ones((E, 4))
    half = slow.copy()
    half[:, :3] = 1.0                                 # 3 of 4 seeds fail
    result = {"runs": [fake_run("A", fast, 0.10), fake_run("B", slow, 0.12), fake_run("C", never, 0.5),
                       fake_run("D", half, 0.10)],
              "settings": {"targets": {"t": 0.05}, "seeds": 4, "epochs": {"t": E}}}
    s = rep.summarize(result)["t"]
    e_fast = int(np.argmax(down ** 3 <= 0.05)) + 1
    e_slow = int(np.argmax(down <= 0.05)) + 1
    assert s["A"]["epochs_q"][0] == e_fast and s["B"]["epochs_q"][0] == e_slow
    assert s["A"]["seconds_q"][0] == pytest.approx(e_fast * 0.4 / 4)
    ratio = e_slow / e_fast
    assert s["B"]["speed"] == (3 if ratio <= 2 else 2 if ratio <= 5 else 1)
    assert s["A"]["speed"] == 3 and s["C"]["speed"] == 1 and s["C"]["failures"] == 4
    assert s["D"]["failures"] == 3 and s["D"]["speed"] == 1       # median run never arrives
    # quality gap = (v - best) / (baseline - best): 0 -> ***, 0.02/0.9 -> ***, 0.4/0.9 -> *
    assert [s[k]["quality"] for k in "ABCD"] == [3, 3, 1, 3]
    table = rep.format_tables(rep.summarize(result), result)
    rows = rep.parse_table(table)
    assert [r["optimizer"] for r in rows if r["table"] == "t"] == list("ABCD")


def test_unknown_names_are_refused():
    with pytest.raises(ConfigError, match="unknown optimizer 'sgdd'"):
        C.optimizer_table(["sgdd"])
    with pytest.raises(ConfigError, match="unknown task 'mnist'"):
        C.compare(["mnist"], ["SGD"], seeds=1)
    assert list(C.optimizer_table("all"))[:8] == list(C.TEXTBOOK)


ARGS = ("compare", "--tasks", "xor,regression", "--optimizers", "SGD,Momentum,Adam,Adagrad",
        "--seeds", "3", "--search-seeds", "2", "--lr-grid", "0.1,1", "--epochs", "40", "--jobs", "1")


def test_reduced_comparison_end_to_end_and_reproducible(tmp_path):
    r1 = run_cli(*ARGS, "--out", tmp_path / "a")
    assert r1.returncode == 0, r1.stderr
    r2 = run_cli(*ARGS, "--no-plots")
    assert r2.returncode == 0, r2.stderr
    rows1 = rep.parse_table(r1.stdout.split("\nwrote ")[0])
    rows2 = rep.parse_table(r2.stdout)
    assert {r["table"] for r in rows1} == {"xor", "regression", "overall"}
    assert len(rows1) == 3 * 4
    for a, b in zip(rows1, rows2, strict=True):        # same seeds, same table but for wall times
        a.pop("ms to target", None), b.pop("ms to target", None)
        assert a == b
    for r in rows1:
        assert set(r["speed"]) == {"*"} and 1 <= len(r["speed"]) <= 3
        assert r["agrees"] in {"yes/yes", "yes/NO", "NO/yes", "NO/NO"}
    out = tmp_path / "a"
    raw = json.loads((out / "results.json").read_text())
    assert len(raw["runs"]) == 8 and raw["settings"]["search_seeds"] == [10000, 10001]
    for run in raw["runs"]:
        assert run["learning_rate"] == raw["learning_rates"][run["task"]][run["label"]]
        assert len(run["loss"]) == 40 and len(run["loss"][0]) == 3
    # the chosen rate has the lowest median final validation loss on the search seeds
    search = {lr: np.median(C.train_group("regression", "Adam", "adam", {}, lr, [10000, 10001],
                                          epochs=40)["val_loss"][-1]) for lr in (0.1, 1.0)}
    assert raw["learning_rates"]["regression"]["Adam"] == min(search, key=search.get)
    with open(out / "results.csv") as f:
        assert len(list(csv.DictReader(f))) == 2 * 4 * 3
    assert (out / "table.md").read_text() == r1.stdout.split("\nwrote ")[0]
    for task in ("xor", "regression"):
        assert (out / f"curves-{task}.png").read_bytes()[:4] == b"\x89PNG"
