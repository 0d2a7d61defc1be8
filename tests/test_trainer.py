"""The training loop: regimes against hand-written loops, counts, early stopping, L2, weights."""

from __future__ import annotations

import io

import numpy as np
import pytest

import backprop
from backprop import ConfigError, DataError, Network, Trainer, fit, optim
from backprop.training import RecordParams, TargetLoss
from backprop.training.progress import ProgressBar

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


def regression(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    T = np.tanh(X @ rng.normal(size=(d, 2)))
    return X, T


def small_net(d=3, k=2, seed=1, out="identity"):
    return Network([d, 4, k], "tanh", out, random_state=seed)


def test_full_batch_equals_hand_gradient_descent():
    X, T = regression()
    net, ref = small_net(), small_net()
    hist = fit(net, X, T, optimizer_params={"learning_rate": 0.1}, epochs=15, random_state=3, engine="numpy")
    for _ in range(15):
        _, g = ref.loss_and_grad(X, T, reduction="mean")
        ref.params += -0.1 * g
    np.testing.assert_array_equal(net.params, ref.params)
    assert hist.iterations_per_epoch == 1 and hist.n_iterations == 15
    assert np.shares_memory(net.layers[0].W, net.params) and np.shares_memory(net.layers[1].b, net.params)


def test_online_fixed_order_equals_hand_loop():
    X, T = regression(n=12)
    net, ref = small_net(), small_net()
    fit(net, X, T, optimizer_params={"learning_rate": 0.05}, epochs=3, batch_size=1, shuffle=False, engine="numpy",
        reduction="sum")
    for _ in range(3):
        for i in range(len(X)):
            _, g = ref.loss_and_grad(X[i:i + 1], T[i:i + 1], reduction="sum")
            ref.params += -0.05 * g
    np.testing.assert_array_equal(net.params, ref.params)


def test_minibatch_rng_order_is_the_documented_one():
    """rng = default_rng(seed): validation permutation first, then one permutation per epoch."""
    X, T = regression(n=50)
    net, ref = small_net(), small_net()
    hist = fit(net, X, T, optimizer_params={"learning_rate": 0.1, "momentum": 0.9}, epochs=4, engine="numpy",
               batch_size=8, validation_fraction=0.2, random_state=7)
    rng = np.random.default_rng(7)
    perm = rng.permutation(50)
    val, tr = np.sort(perm[:10]), np.sort(perm[10:])
    Xt, Tt = X[tr], T[tr]
    opt = optim.get("sgd", learning_rate=0.1, momentum=0.9)
    state = opt.init(ref.params)
    val_losses = []
    for _ in range(4):
        order = rng.permutation(40)
        for i in range(0, 40, 8):
            b = order[i:i + 8]
            _, g = ref.loss_and_grad(Xt[b], Tt[b], reduction="mean")
            step, state = opt.update(g, state, ref.params)
            ref.params += step
        val_losses.append(ref.loss(X[val], T[val], reduction="mean"))
    np.testing.assert_array_equal(net.params, ref.params)
    np.testing.assert_array_equal(hist["val_loss"], val_losses)


@pytest.mark.parametrize("n,batch,drop_last,k", [
    (1000, 100, False, 10), (1000, 300, False, 4), (1000, 300, True, 3), (7, 1, False, 7),
    (10, None, False, 1), (10, "full", False, 1), (10, 64, False, 1), (99, 10, False, 10)])
def test_iterations_per_epoch(n, batch, drop_last, k):
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(n, 2)), rng.normal(size=(n, 1))
    seen = []

    class Count(backprop.training.Callback):
        def on_iteration_end(self, event):
            seen.append(event.iteration)

    net = Network([2, 1], "identity", random_state=0)
    h = fit(net, X, T, batch_size=batch, drop_last=drop_last, epochs=2, callbacks=[Count()])
    assert h.iterations_per_epoch == k and h.iterations == [k, 2 * k] and h.n_iterations == 2 * k
    assert seen == list(range(1, 2 * k + 1))


def test_max_iterations_stops_mid_epoch():
    X, T = regression(n=100)
    h = fit(small_net(), X, T, batch_size=10, epochs=50, max_iterations=25)
    assert h.stop_reason == "max_iterations" and h.n_iterations == 25 and h.iterations[-1] == 25
    assert h.n_epochs == 3


@pytest.mark.parametrize("name", [n for n in optim.available() if not optim.get(n).needs_oracle])
def test_early_stopping_restores_exactly_the_best_params(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 1))
    Xv = rng.normal(size=(30, 1))
    net = Network([1, 1], "identity", random_state=0)
    net.params[:] = 0.0
    rec = RecordParams()
    # training pulls the slope to 1, the validation targets want 0.5: val loss falls, then rises
    h = fit(net, X, X, validation_data=(Xv, 0.5 * Xv), early_stopping=True, patience=4,
            optimizer=name, epochs=500, batch_size=10, random_state=0, callbacks=[rec])
    assert h.stop_reason == "early_stopping"
    best = int(np.nanargmin(h["val_loss"])) + 1
    assert h.best_epoch == best and h.n_epochs == best + 4 and best > 1
    np.testing.assert_array_equal(net.params, rec.params[rec.epochs.index(best)])
    assert not np.array_equal(net.params, rec.params[-1])


def test_restore_best_false_keeps_last_params():
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(60, 1)), rng.normal(size=(30, 1))
    net = Network([1, 1], "identity", random_state=0)
    net.params[:] = 0.0
    rec = RecordParams()
    h = fit(net, X, X, validation_data=(Xv, 0.5 * Xv), early_stopping=True, patience=3,
            restore_best=False, epochs=300, batch_size=10, callbacks=[rec])
    assert h.stop_reason == "early_stopping"
    np.testing.assert_array_equal(net.params, rec.params[-1])


def test_weight_decay_converges_to_closed_form_ridge():
    rng = np.random.default_rng(0)
    n, d, lam = 50, 4, 0.3
    X = rng.normal(size=(n, d))
    t = X @ rng.normal(size=d) + 2.0 + 0.1 * rng.normal(size=n)
    net = Network([d, 1], "identity", random_state=0)
    fit(net, X, t, weight_decay=lam, optimizer_params={"learning_rate": 0.3}, epochs=600)
    # minimise 1/n sum 1/2 (w.x + b - t)^2 + lam/2 ||w||^2 ; bias unpenalised -> centre the data
    Xc, tc = X - X.mean(0), t - t.mean()
    w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(d), Xc.T @ tc / n)
    b = t.mean() - X.mean(0) @ w
    np.testing.assert_allclose(net.layers[0].W[0], w, atol=1e-10)
    np.testing.assert_allclose(net.layers[0].b[0], b, atol=1e-10)
    w_ols = np.linalg.lstsq(Xc, tc, rcond=None)[0]
    assert np.linalg.norm(w) < 0.9 * np.linalg.norm(w_ols)


def test_loss_includes_l2_penalty():
    X, T = regression()
    net = small_net()
    h = fit(net, X, T, weight_decay=0.1, epochs=1, optimizer_params={"learning_rate": 1e-12})
    ref = small_net()
    pen = sum(0.5 * 0.1 * np.sum(W ** 2) for W, _ in ref.unflatten(ref.params))
    assert h.loss[0] == pytest.approx(ref.loss(X, T, reduction="mean") + pen, rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sample_weight_two_equals_duplicated_row(reduction):
    X, T = regression(n=20)
    w = np.ones(20)
    w[[3, 11]] = 2.0
    Xd, Td = np.vstack([X, X[[3, 11]]]), np.vstack([T, T[[3, 11]]])
    a, b = small_net(), small_net()
    ha = fit(a, X, T, sample_weight=w, epochs=20, reduction=reduction,
             optimizer_params={"learning_rate": 0.02})
    hb = fit(b, Xd, Td, epochs=20, reduction=reduction, optimizer_params={"learning_rate": 0.02})
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-10)


def test_sample_weight_rides_with_the_batch():
    X, T = regression(n=30)
    w = np.random.default_rng(1).uniform(0.5, 2.0, 30)
    net, ref = small_net(), small_net()
    fit(net, X, T, sample_weight=w, batch_size=7, epochs=2, random_state=4, engine="numpy",
        optimizer_params={"learning_rate": 0.1})
    rng = np.random.default_rng(4)
    for _ in range(2):
        order = rng.permutation(30)
        for i in range(0, 30, 7):
            b = order[i:i + 7]
            _, g = ref.loss_and_grad(X[b], T[b], reduction="mean", sample_weight=w[b])
            ref.params += -0.1 * g
    np.testing.assert_array_equal(net.params, ref.params)


def test_callbacks_see_every_epoch_and_can_stop():
    X, T = regression()
    seen = []
    h = fit(small_net(), X, T, epochs=6, callbacks=[lambda e: seen.append((e.epoch, e.loss))])
    assert [e for e, _ in seen] == [1, 2, 3, 4, 5, 6] and [l for _, l in seen] == h.loss
    h = fit(small_net(), X, T, epochs=50, callbacks=[lambda e: e.epoch == 3])
    assert h.n_epochs == 3 and h.stop_reason == "callback"
    h = fit(small_net(), X, T, epochs=5000, optimizer_params={"learning_rate": 0.2},
            callbacks=[TargetLoss(0.05)])
    assert h.stop_reason == "callback" and h.loss[-1] <= 0.05 < h.loss[-2]


def test_stratified_validation_split_keeps_class_shares():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(80, int), np.ones(20, int)]
    X = rng.normal(size=(100, 2))
    trainer = Trainer(loss="binary_cross_entropy", validation_fraction=0.25, epochs=1)
    net = Network([2, 1], "sigmoid", random_state=0)
    trainer.fit(net, X, y.astype(float))
    val = trainer.run_.val_idx
    assert len(val) == 25 and np.sum(y[val]) == 5


def test_stratified_split_of_single_sample_classes_is_a_clear_error():
    """Five classes of one sample each: no class can give up a sample (found by benchmarks/fuzz.py:
    the empty validation set ended in ZeroDivisionError)."""
    from backprop.training.split import validation_split
    with pytest.raises(DataError, match="each of the 5 classes has a single sample"):
        validation_split(5, 0.3, np.random.default_rng(0), np.arange(5))
    X = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(DataError, match="stratified validation set"):
        fit(Network([2, 5], "tanh", "softmax", random_state=0), X, np.arange(5),
            loss="cross_entropy", validation_fraction=0.3, epochs=2)


def test_metric_recorded():
    X, T = regression(n=60)
    h = fit(small_net(), X, T, metric="r2", validation_fraction=0.25, epochs=30,
            optimizer_params={"learning_rate": 0.2}, random_state=0)
    assert h.metric_name == "r2" and len(h.val_metric) == 30
    assert h.val_metric[-1] > h.val_metric[0] and h.metric[-1] > 0.5


def test_progress_bar_off_when_not_a_tty(capsys):
    X, T = regression()
    fit(small_net(), X, T, epochs=3)
    assert capsys.readouterr().err == ""
    fit(small_net(), X, T, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "loss" in err
    fit(small_net(), X, T, epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_bar_auto_draws_on_a_tty():
    class TTY(io.StringIO):
        def isatty(self):
            return True
    s = TTY()
    bar = ProgressBar(10, "auto", stream=s, delay=0.0, min_interval=0.0)
    bar.update(4, 0.5, 0.6)
    bar.close(10, 0.1, 0.2)
    assert "epoch 4/10" in s.getvalue() and "ETA" in s.getvalue() and s.getvalue().endswith("\n")
    s2 = io.StringIO()
    ProgressBar(10, "auto", stream=s2, delay=0.0).update(4, 0.5)
    assert s2.getvalue() == ""


def test_partial_fit_continues_the_run():
    X, T = regression()
    a, b = small_net(), small_net()
    ta = Trainer(batch_size=8, random_state=2, optimizer_params={"learning_rate": 0.1, "momentum": 0.5})
    for _ in range(3):
        ha = ta.partial_fit(a, X, T)
    hb = fit(b, X, T, batch_size=8, random_state=2, epochs=3,
             optimizer_params={"learning_rate": 0.1, "momentum": 0.5})
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.epoch == [1, 2, 3] and ha.n_iterations == hb.n_iterations == 15


def test_invalid_options_raise_one_line_config_errors():
    for kw, text in [({"batch_size": 0}, "batch_size"), ({"epochs": -1}, "epochs"),
                     ({"reduction": "avg"}, "reduction"), ({"metric": "f1"}, "metric"),
                     ({"schedule": "cosine"}, "schedule"), ({"optimizer": "nope"}, "optimizer"),
                     ({"weight_decay": -1}, "weight_decay"), ({"progress": "yes"}, "progress"),
                     ({"validation_fraction": 1.5}, "validation_fraction"), ({"colour": 1}, "colour")]:
        with pytest.raises(ConfigError, match=text) as e:
            Trainer(**kw)
        assert "\n" not in str(e.value)


def test_full_batch_only_optimizer_refused_on_minibatches():
    class FullOnly(optim.Optimizer):
        name, defaults, full_batch_only = "full_only_test", {"learning_rate": 0.1}, True

        def init(self, params):
            return self._state(params)

        def update(self, grad, state, params, oracle=None):
            np.multiply(grad, -state["learning_rate"], out=state["step"])
            return state["step"], state

    X, T = regression()
    with pytest.raises(ConfigError, match="needs full-batch training; use batch_size=None"):
        fit(small_net(), X, T, optimizer=FullOnly(), batch_size=10)
    assert fit(small_net(), X, T, optimizer=FullOnly(), epochs=2).n_iterations == 2
