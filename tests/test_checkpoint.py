"""Checkpoint files: no pickle, atomic with a previous copy, checksummed, refused when damaged."""

from __future__ import annotations

import os

import numpy as np
import pytest

from backprop import Network, Trainer, fit
from backprop.training import checkpoint
from backprop.training.checkpoint import CheckpointError

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


def data(n=40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, np.sin(X[:, :2])


def test_encode_decode_round_trip_is_exact():
    state = {"t": 3, "learning_rate": 0.1 + 1e-17, "flag": True, "none": None, "inf": float("inf"),
             "m": np.arange(5.0) / 3, "f32": np.float32(1.1), "hist": [np.ones(2), (1, 2.5)],
             "nested": {"a": np.int64(7), "b": "text"}}
    arrays: dict = {}
    enc = checkpoint.encode(state, arrays, "opt")
    import json
    back = checkpoint.decode(json.loads(json.dumps(enc)), arrays)
    assert back["t"] == 3 and back["learning_rate"] == state["learning_rate"] and back["flag"] is True
    assert back["none"] is None and back["inf"] == float("inf")
    np.testing.assert_array_equal(back["m"], state["m"])
    assert isinstance(back["f32"], np.float32) and back["f32"] == np.float32(1.1)
    assert isinstance(back["hist"][1], tuple) and back["nested"]["a"] == 7
    with pytest.raises(TypeError):
        checkpoint.encode({"f": lambda: 0}, {}, "x")


def test_save_keeps_previous_and_leaves_no_temporary_files(tmp_path):
    p = tmp_path / "run.ckpt.npz"
    checkpoint.save(p, {"n": 1}, {"a": np.zeros(3)})
    checkpoint.save(p, {"n": 2}, {"a": np.ones(3)})
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt.npz", "run.ckpt.npz.prev"]
    h, a = checkpoint.load(p)
    hp, ap = checkpoint.load(str(p) + ".prev")
    assert h["n"] == 2 and hp["n"] == 1 and a["a"][0] == 1 and ap["a"][0] == 0
    with np.load(p, allow_pickle=False) as z:  # plain arrays only: loads without pickle
        assert all(z[k].dtype != object for k in z.files)


def test_truncated_checkpoint_is_refused_and_previous_still_loads(tmp_path):
    X, T = data()
    p = tmp_path / "ck.npz"
    fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T, epochs=3, batch_size=8,
        checkpoint_path=p, random_state=0)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match=r"truncated.*\.prev") as e:
        checkpoint.load(p)
    assert "\n" not in str(e.value)
    with pytest.raises(CheckpointError, match="truncated"):
        fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T, epochs=5, batch_size=8,
            checkpoint_path=p, random_state=0, resume=True)
    header, arrays = checkpoint.load(str(p) + ".prev")
    assert header["state"]["epoch"] == 3 and np.all(np.isfinite(arrays["params"]))


def test_altered_content_fails_the_checksum(tmp_path):
    p = tmp_path / "ck.npz"
    checkpoint.save(p, {"n": 1}, {"params": np.arange(4.0)})
    with np.load(p, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    entries["params"] = entries["params"] + 1e-9
    with open(p, "wb") as f:
        np.savez(f, **entries)
    with pytest.raises(CheckpointError, match="SHA-256 mismatch"):
        checkpoint.load(p)


def test_resume_refuses_other_settings_or_data(tmp_path):
    X, T = data()
    p = tmp_path / "ck.npz"
    kw = dict(epochs=4, batch_size=8, checkpoint_path=p, random_state=0)
    fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T, **kw)
    with pytest.raises(CheckpointError, match="batch_size=8.*batch_size=5"):
        fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T,
            **{**kw, "batch_size": 5}, resume=True)
    with pytest.raises(CheckpointError, match="different training data"):
        fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X + 1, T, **kw, resume=True)
    with pytest.raises(CheckpointError, match="network"):
        fit(Network([3, 5, 2], "tanh", "identity", random_state=0), X, T, **kw, resume=True)
    with pytest.raises(CheckpointError, match="does not exist"):
        fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T, **kw,
            resume=tmp_path / "missing.npz")


def test_resuming_a_finished_early_stopped_run_trains_nothing(tmp_path):
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(60, 1)), rng.normal(size=(30, 1))
    kw = dict(validation_data=(Xv, 0.5 * Xv), early_stopping=True, patience=3, epochs=300,
              batch_size=10, random_state=0, checkpoint_path=tmp_path / "ck.npz")
    a = Network([1, 1], "identity", random_state=0)
    a.params[:] = 0
    ha = fit(a, X, X, **kw)
    b = Network([1, 1], "identity", random_state=3)
    calls = []
    hb = fit(b, X, X, **kw, resume=True, callbacks=[lambda e: calls.append(e.epoch)])
    assert ha.stop_reason == hb.stop_reason == "early_stopping" and calls == []
    np.testing.assert_array_equal(a.params, b.params)
    assert hb.loss == ha.loss and hb.best_epoch == ha.best_epoch


def test_warm_start_after_in_process_interrupt_matches_uninterrupted():
    import signal

    X, T = data(50)
    kw = dict(epochs=6, batch_size=7, random_state=1, engine="numpy", optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
              validation_fraction=0.2, schedule="exponential")

    def interrupt(event):
        if event.iteration == 10:
            signal.raise_signal(signal.SIGINT)

    from backprop.training import Callback

    class Hook(Callback):
        def on_iteration_end(self, event):
            interrupt(event)

    a = Network([3, 4, 2], "tanh", "identity", random_state=0)
    tr = Trainer(**kw, callbacks=[Hook()])
    h = tr.fit(a, X, T)
    assert h.stop_reason == "interrupted" and h.n_iterations == 10 and tr.run_.pos == 4
    tr.epochs = kw["epochs"] - tr.run_.epoch
    h = tr.fit(a, X, T, warm_start=True)
    b = Network([3, 4, 2], "tanh", "identity", random_state=0)
    hb = fit(b, X, T, **kw)
    np.testing.assert_array_equal(a.params, b.params)
    assert h.loss == hb.loss and h.val_loss == hb.val_loss and h.iterations == hb.iterations


@pytest.mark.parametrize("name", [n for n in __import__("backprop").optim.available()
                                  if not __import__("backprop").optim.get(n).needs_oracle])
def test_every_optimizer_state_survives_a_checkpoint(tmp_path, name):
    import signal

    from backprop.training import Callback

    class Hook(Callback):
        def on_iteration_end(self, event):
            if event.iteration == 9:
                signal.raise_signal(signal.SIGINT)

    X, T = data(30)
    kw = dict(epochs=4, batch_size=4, random_state=2, optimizer=name, engine="numpy", checkpoint_path=tmp_path / "c.npz")
    h = fit(Network([3, 4, 2], "tanh", "identity", random_state=0), X, T, callbacks=[Hook()], **kw)
    assert h.stop_reason == "interrupted"
    a = Network([3, 4, 2], "tanh", "identity", random_state=7)
    ha = fit(a, X, T, resume=True, **kw)
    b = Network([3, 4, 2], "tanh", "identity", random_state=0)
    hb = fit(b, X, T, **{**kw, "checkpoint_path": None})
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.loss == hb.loss
