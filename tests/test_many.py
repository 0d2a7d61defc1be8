"""K networks at once: each row of a NetworkStack behaves exactly as the network trained alone."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import backprop
from backprop import ConfigError, DataError, Network, activations, losses, optim
from backprop.training import TargetLoss
from backprop.training.many import NetworkStack, fit_many, xor_seed_study

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")

SIZES = [3, 4, 5, 2]
SEEDS = [3, 17, 2024, 5]


def _pairs():
    """Every (hidden, output, loss) combination the network accepts."""
    hidden = [a for a in activations.available() if activations.get(a).elementwise]
    out = []
    for i, o in enumerate(activations.available()):
        for name in losses.available():
            allowed = losses.get(name).outputs
            if allowed is None or o in allowed:
                out.append((hidden[i % len(hidden)], o, name))
    return out


def test_rows_are_the_seeded_networks_and_views_share_memory():
    stack = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    for k, seed in enumerate(SEEDS):
        np.testing.assert_array_equal(stack.params[k], Network(SIZES, "tanh", "sigmoid",
                                                               random_state=seed).params)
        np.testing.assert_array_equal(stack.network(k).params, stack.params[k])
    for (W, b), n_in, n_out in zip(stack.layers, SIZES[:-1], SIZES[1:]):
        assert W.shape == (4, n_out, n_in) and b.shape == (4, n_out)
        assert np.shares_memory(W, stack.params) and np.shares_memory(b, stack.params)
    stack.params[2] += 1.0
    np.testing.assert_array_equal(stack.network(2).unflatten(stack.network(2).params)[1][0],
                                  stack.W[1][2])
    assert NetworkStack([2, 2, 1], random_states=3).random_states == [0, 1, 2]
    with pytest.raises(ConfigError, match="at least one"):
        NetworkStack([2, 2, 1], random_states=[])


@pytest.mark.parametrize("hidden,output,loss", _pairs())
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_loss_and_grad_rows_equal_network(hidden, output, loss, reduction, rng):
    stack = NetworkStack(SIZES, hidden, output, random_states=SEEDS)
    n = 6
    X = rng.normal(size=(n, 3))
    T = rng.dirichlet(np.ones(2), n) if output == "softmax" else rng.random((n, 2))
    w = rng.random(n)
    XK = rng.normal(size=(4, n, 3))
    wK = rng.random((4, n))
    for Xs, Ts, ws in [(X, T, None), (X, T, w), (XK, T, wK), (XK, np.stack([T[::-1]] * 4), w)]:
        E, G = stack.loss_and_grad(Xs, Ts, loss, reduction, ws)
        assert E.shape == (4,) and G.shape == stack.params.shape
        np.testing.assert_allclose(stack.loss(Xs, Ts, loss, reduction, ws), E, rtol=0, atol=1e-12)
        Z = stack.forward(Xs)
        for k in range(4):
            net = stack.network(k)
            xk = Xs[k] if Xs.ndim == 3 else Xs
            tk = Ts[k] if Ts.ndim == 3 else Ts
            wk = None if ws is None else (ws[k] if ws.ndim == 2 else ws)
            e, g = net.loss_and_grad(xk, tk, loss, reduction, wk)
            assert abs(E[k] - e) <= 1e-12 * max(1.0, abs(e))
            np.testing.assert_allclose(G[k], g, rtol=0, atol=1e-12)
            np.testing.assert_allclose(Z[k], net.forward(xk), rtol=0, atol=1e-12)


def test_bad_inputs_are_data_errors(rng):
    stack = NetworkStack(SIZES, random_states=2)
    with pytest.raises(DataError, match="per-model X"):
        stack.forward(np.zeros((3, 5, 3)))
    with pytest.raises(DataError, match="shape"):
        stack.forward(np.zeros((5, 4)))
    with pytest.raises(DataError, match="per-model T"):
        stack.loss(np.zeros((5, 3)), np.zeros((2, 4, 2)))
    with pytest.raises(DataError, match=r"sample_weight must have shape \(5,\) or \(2, 5\)"):
        stack.loss(np.zeros((5, 3)), np.zeros((5, 2)), sample_weight=np.ones((3, 5)))


# --- training: the oracle is each network trained alone by backprop.fit -------------------

def alone(k, seed, sizes=SIZES, acts=("tanh", "sigmoid"), X=None, T=None, optimizer="sgd",
          optimizer_params=None, **kw):
    """Network k trained by itself with the single-network trainer and generator seed ``seed``."""
    net = Network(sizes, *acts, random_state=SEEDS[k])
    hist = backprop.fit(net, X, T, optimizer=optimizer, optimizer_params=optimizer_params,
                        random_state=seed, progress=False, engine="numpy", **kw)  # as the stack
    return net, hist


def assert_same_run(stack, hist, k, net, h):
    np.testing.assert_allclose(stack.params[k], net.params, rtol=0, atol=1e-12)
    n = h.n_epochs
    assert hist.epochs_trained[k] == n
    for col in ("loss", "val_loss", "metric", "val_metric", "learning_rate"):
        column = hist[col]                      # (epochs, K), or (epochs,) of NaN when unused
        column = column[:n, k] if column.ndim == 2 else column[:n]
        np.testing.assert_allclose(column, h[col], rtol=1e-12, atol=1e-12)
    assert np.all(np.isnan(hist["loss"][n:, k]))          # a stopped network records nothing
    assert hist.stop_reasons[k] == h.stop_reason
    assert hist.best_epoch[k] == h.best_epoch


def _first_order():
    return [n for n in optim.available()
            if not (optim.get(n).needs_oracle or optim.get(n).full_batch_only)]


OPTIMIZERS = [("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.8, "nesterov": True}),
              ("sgd", {"momentum": 0.7, "lecture_form": True}),
              *[(n, {}) for n in _first_order() if n != "sgd"]]


@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=lambda v: str(v))
@pytest.mark.parametrize("batch_size,shuffle,drop_last", [(1, True, False), (4, True, False),
                                                          (4, True, True), (4, False, False),
                                                          (None, True, False)],
                         ids=["online", "mini", "mini-drop", "mini-ordered", "batch"])
def test_each_network_trains_as_if_alone(name, options, batch_size, shuffle, drop_last, rng):
    """Per-network learning rates in the (K, 1) state; each run draws its own orders."""
    X = rng.normal(size=(10, 3))
    T = rng.random((10, 2))
    lrs = [0.05, 0.2, 0.01, 0.1]
    stack = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    kw = dict(epochs=3, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, reduction="mean")
    hist = fit_many(stack, X, T, optimizer=optim.get(name, **options), learning_rate=lrs, **kw)
    assert hist["loss"].shape == (3, 4) and hist.n_epochs == 3
    for k, seed in enumerate(SEEDS):
        net, h = alone(k, seed, X=X, T=T, optimizer=name,
                       optimizer_params={**options, "learning_rate": lrs[k]}, **kw)
        assert_same_run(stack, hist, k, net, h)
    assert np.shares_memory(stack.W[0], stack.params)


@pytest.mark.parametrize("batch_size", [1, 5, None], ids=["online", "mini", "batch"])
def test_stratified_split_early_stopping_schedule_clip_decay_and_weights(batch_size, rng):
    """Everything the single trainer does, per network: its own stratified split, patience,
    best weights restored, plateau schedule on its own loss, clipping, L2, sample weights."""
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    w = rng.random(40) + 0.5
    kw = dict(epochs=30, batch_size=batch_size, loss="cross_entropy", reduction="mean",
              validation_fraction=0.3, early_stopping=True, patience=3, metric="accuracy",
              weight_decay=1e-3, clip_grad_norm=0.5, sample_weight=w,
              schedule={"name": "plateau", "patience": 1, "factor": 0.5})
    stack = NetworkStack([3, 4, 2], "tanh", "softmax", random_states=SEEDS)
    params = {"learning_rate": [0.05, 0.5, 0.02, 0.2], "momentum": 0.9}
    hist = backprop.Trainer(optimizer_params=params, random_state=[7, 8, 9, 10],
                            **{k: v for k, v in kw.items() if k != "sample_weight"}
                            ).fit(stack, X, y, sample_weight=w)
    reasons = set()
    for k, seed in enumerate([7, 8, 9, 10]):
        net, h = alone(k, seed, [3, 4, 2], ("tanh", "softmax"), X, y,
                       optimizer_params={"learning_rate": params["learning_rate"][k],
                                         "momentum": 0.9}, **kw)
        assert_same_run(stack, hist, k, net, h)
        reasons.add(h.stop_reason)
    assert "early_stopping" in reasons


def test_mixed_optimizers_are_grouped_and_each_follows_its_own(rng):
    X = rng.normal(size=(13, 3))
    T = rng.random((13, 2))
    opts = [optim.get("sgd", learning_rate=0.1), optim.get("adam", learning_rate=0.01),
            optim.get("sgd", learning_rate=0.1), optim.get("sgd", learning_rate=0.05, momentum=0.5)]
    stack = NetworkStack(SIZES, "sigmoid", random_states=SEEDS)
    kw = dict(epochs=4, batch_size=3, weight_decay=0.01, validation_fraction=0.25, reduction="sum")
    hist = fit_many(stack, X, T, optimizer=opts, random_state=[7, 8, 9, 10], **kw)
    assert len(stack.params) == 4 and hist["val_loss"].shape == (4, 4)
    for k, seed in enumerate([7, 8, 9, 10]):
        net, h = alone(k, seed, acts=("sigmoid",), X=X, T=T, optimizer=opts[k], **kw)
        assert_same_run(stack, hist, k, net, h)


def test_a_diverging_network_stops_alone_and_the_others_go_on(rng):
    X = rng.normal(size=(20, 3))
    T = 3 * rng.normal(size=(20, 2))
    lrs = [0.01, 50.0, 0.02, 0.01]
    stack = NetworkStack(SIZES, "tanh", "identity", random_states=SEEDS)
    kw = dict(epochs=8, batch_size=4, reduction="mean")
    with pytest.warns(backprop.TrainingDiverged, match="1 of 4 networks diverged"):
        hist = fit_many(stack, X, T, learning_rate=lrs, **kw)
    assert hist.stop_reasons[1] == "diverged" and hist.stop_reason == "max_epochs"
    for k, seed in enumerate(SEEDS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net, h = alone(k, seed, acts=("tanh", "identity"), X=X, T=T,
                           optimizer_params={"learning_rate": lrs[k]}, **kw)
        assert_same_run(stack, hist, k, net, h)


def test_checkpoint_resume_of_a_stack_is_bit_for_bit(tmp_path, rng):
    import signal

    from backprop.training import Callback

    class Hook(Callback):
        def on_iteration_end(self, event):
            if event.iteration == 11:
                signal.raise_signal(signal.SIGINT)

    X = rng.normal(size=(24, 3))
    y = (X[:, 0] > 0).astype(int)
    kw = dict(optimizer="adam", learning_rate=[0.01, 0.05, 0.02, 0.1], epochs=12, batch_size=5,
              loss="cross_entropy", reduction="mean", validation_fraction=0.25, early_stopping=True,
              patience=2, schedule="exponential", checkpoint_path=tmp_path / "k.npz")
    a = NetworkStack([3, 4, 2], "tanh", "softmax", random_states=SEEDS)
    ha = fit_many(a, X, y, **{**kw, "checkpoint_path": None})
    b = NetworkStack([3, 4, 2], "tanh", "softmax", random_states=SEEDS)
    hb = fit_many(b, X, y, callbacks=[Hook()], **kw)
    assert hb.stop_reason == "interrupted" and hb.n_iterations == 11
    c = NetworkStack([3, 4, 2], "tanh", "softmax", random_states=[0, 0, 0, 0])
    hc = fit_many(c, X, y, resume=True, **kw)
    np.testing.assert_array_equal(c.params, a.params)
    np.testing.assert_array_equal(hc["loss"], ha["loss"])
    np.testing.assert_array_equal(hc["val_loss"], ha["val_loss"])
    assert hc.stop_reasons == ha.stop_reasons and list(hc.epochs_trained) == list(ha.epochs_trained)


def test_epoch_zero_and_callback_and_target_loss(rng):
    X, T = rng.normal(size=(7, 3)), rng.random((7, 2))
    stack = NetworkStack(SIZES, random_states=[1, 2])
    before = stack.network(0).loss(X, T), stack.network(1).loss(X, T)
    seen = []
    hist = fit_many(stack, X, T, learning_rate=0.5, epochs=50, early_stopping=True,
                    callback=lambda epoch, s: seen.append(epoch) or epoch == 5)
    assert hist.stop_reason == "callback" and seen == [1, 2, 3, 4, 5]
    assert hist.best_loss.shape == (2,) and np.all(hist.best_loss < before)
    stack = NetworkStack(SIZES, random_states=[1, 2])
    hist = fit_many(stack, X, T, learning_rate=1.0, epochs=500, callbacks=[TargetLoss(0.3)])
    assert hist.stop_reason == "callback" and np.all(hist["loss"][-1] <= 0.3)


def test_invalid_settings():
    X, T = np.zeros((4, 3)), np.zeros((4, 2))
    stack = NetworkStack(SIZES, random_states=2)
    with pytest.raises(ConfigError, match="3 optimizers for 2 networks"):
        fit_many(stack, X, T, optimizer=["sgd", "sgd", "sgd"])
    with pytest.raises(ConfigError, match="random states"):
        fit_many(stack, X, T, random_state=[1])
    with pytest.raises(ConfigError, match="learning_rate"):
        fit_many(stack, X, T, learning_rate=[0.1, -1.0])
    with pytest.raises(ConfigError, match="one rate or one per network"):
        fit_many(stack, X, T, learning_rate=[0.1, 0.2, 0.3])
    with pytest.raises(ConfigError, match="one network at a time"):
        fit_many(stack, X, T, optimizer="lbfgs")
    with pytest.raises(ConfigError, match="one network at a time"):
        fit_many(stack, X, T, optimizer=["sgd", "lbfgs"])
    with pytest.raises(DataError, match="shape"):
        fit_many(stack, np.zeros((2, 4, 3)), T)
    with pytest.raises(ConfigError, match="needs a NetworkStack"):
        backprop.fit(Network(SIZES), X, T, optimizer=["sgd", "adam"])


def test_xor_seed_study_counts_what_single_runs_find():
    """The study agrees, seed by seed, with the XOR demo's single-network runs."""
    from backprop.demos.xor import train
    study = xor_seed_study(12, learning_rate=2.0, epochs=1500, tolerance=0.1)
    assert study.n_networks == 12 and 0 < study.n_solved <= 12
    for k in range(12):
        _, epochs, _, solved = train(k, 2.0, 1500, 0.1)
        assert study.epochs_to_solve[k] == (epochs if solved else -1)
    step = xor_seed_study(4, activation="step", epochs=20)
    assert step.n_solved == 0  # zero gradient: the step network never moves


def test_partial_fit_and_validation_data_and_float32(rng):
    """partial_fit three times equals a three-epoch fit; shared validation data; float32 rows."""
    X, T = rng.normal(size=(12, 3)), rng.random((12, 2))
    Xv, Tv = rng.normal(size=(5, 3)), rng.random((5, 2))
    trainer = backprop.Trainer(optimizer="adam", batch_size=5, random_state=[4, 5, 6, 7])
    a = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    for _ in range(3):
        ha = trainer.partial_fit(a, X, T)
    b = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS)
    hb = backprop.fit(b, X, T, optimizer="adam", batch_size=5, epochs=3, random_state=[4, 5, 6, 7])
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(ha["loss"], hb["loss"])
    c = NetworkStack(SIZES, "tanh", "sigmoid", random_states=SEEDS, dtype=np.float32)
    hc = backprop.fit(c, X, T, optimizer="adam", batch_size=5, epochs=3, random_state=3,
                      validation_data=(Xv, Tv), metric="mse")
    for k in range(4):
        net = Network(SIZES, "tanh", "sigmoid", random_state=SEEDS[k], dtype=np.float32)
        h = backprop.fit(net, X, T, optimizer="adam", batch_size=5, epochs=3, random_state=3,
                         validation_data=(Xv, Tv), metric="mse")
        np.testing.assert_allclose(c.params[k], net.params, rtol=0, atol=1e-5)
        np.testing.assert_allclose(hc["val_metric"][:, k], h["val_metric"], rtol=1e-4)
    assert c.params.dtype == np.float32


def test_all_networks_diverging_in_one_epoch_with_validation_data():
    """Regression: a stack whose every network diverges in the same epoch, with validation data."""
    import warnings

    from backprop import NetworkStack
    from backprop.training.many import fit_many
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) * 100
    T = X.sum(axis=1)
    stack = NetworkStack([2, 4, 1], activation="tanh", output_activation="identity", random_states=[1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = fit_many(stack, X, T, optimizer="sgd", learning_rate=1.0, epochs=5, batch_size=5,
                     reduction="mean", validation_data=(X[:5], T[:5]), progress=False)
    assert h.stop_reasons == ["diverged", "diverged"]
    assert np.all(np.isfinite(stack.params))
