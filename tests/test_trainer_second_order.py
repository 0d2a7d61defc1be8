"""The trainer's oracle path: every optimizer with ``needs_oracle`` through ``backprop.fit``."""

from __future__ import annotations

import signal

import numpy as np
import pytest

import backprop
from backprop import ConfigError, Network, fit, optim
from backprop.training import Callback

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")

ORACLE = [n for n in optim.available() if optim.get(n).needs_oracle]
LEAST_SQUARES = ["levenberg_marquardt", "bayesian_regularization"]


def test_the_registry_lists_the_second_order_methods():
    assert set(ORACLE) >= {"cg", "scg", "lbfgs", "levenberg_marquardt", "bayesian_regularization",
                           "natural_gradient", "kfac"}


def problem(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, np.sin(X[:, :1]) + 0.5 * X[:, 1:], (X[:, 0] ** 2 + X[:, 1] > 0.5).astype(float)


@pytest.mark.parametrize("name", ORACLE)
def test_regression_reaches_low_loss_and_early_stopping_restores_the_best(name):
    X, T, _ = problem()
    net = Network([2, 6, 1], "tanh", "identity", random_state=0)
    start = net.loss(X, T, reduction="mean")
    trainer = backprop.Trainer(optimizer=name, batch_size=None,                # default settings
                               epochs=40, validation_fraction=0.25, early_stopping=True,
                               patience=5, random_state=0, progress=False)
    hist = trainer.fit(net, X, T)
    assert hist.iterations_per_epoch == 1 and hist.n_iterations == hist.n_epochs
    tr, va = trainer.run_.train_idx, trainer.run_.val_idx
    assert net.loss(X[tr], T[tr], reduction="mean") < 0.05 * start
    # the weights left in the network are the best epoch's, exactly
    assert net.loss(X[va], T[va], reduction="mean") == hist.best_loss
    assert hist.best_loss == min(hist.val_loss) and hist.val_loss[hist.best_epoch - 1] == hist.best_loss
    assert np.shares_memory(net.layers[0].W, net.params)


@pytest.mark.parametrize("name", [n for n in ORACLE if n not in LEAST_SQUARES])
def test_classification_with_cross_entropy(name):
    X, _, y = problem()
    net = Network([2, 6, 1], "tanh", "sigmoid", random_state=0)
    start = net.loss(X, y, "binary_cross_entropy", "mean")
    hist = fit(net, X, y, optimizer=name, loss="binary_cross_entropy", epochs=40, metric="accuracy",
               random_state=0)                                                  # default settings
    assert hist.loss[-1] < 0.25 * start and hist.metric[-1] >= 0.95


@pytest.mark.parametrize("name", ORACLE)
def test_mini_batches_are_refused(name):
    X, T, _ = problem()
    with pytest.raises(ConfigError, match=rf"^{name} needs full-batch training; use batch_size=None "
                                          r"\(got batch_size=8 for 60 samples\)$"):
        fit(Network([2, 3, 1], "tanh", "identity"), X, T, optimizer=name, batch_size=8)


@pytest.mark.parametrize("name", LEAST_SQUARES)
@pytest.mark.parametrize("loss,out", [("binary_cross_entropy", "sigmoid"),
                                      ("cross_entropy", "softmax")])
def test_least_squares_methods_refuse_other_losses_before_training(name, loss, out, tmp_path):
    X, _, y = problem()
    seen = []
    with pytest.raises(ConfigError, match=rf"^{name} needs loss 'squared_error' .*got '{loss}'; "
                                          "use 'lbfgs', 'cg' or 'natural_gradient'"):
        fit(Network([2, 3, 2 if out == "softmax" else 1], "tanh", out), X, y.astype(int)
            if out == "softmax" else y, optimizer=name, loss=loss,
            callbacks=[lambda e: seen.append(e)], checkpoint_path=tmp_path / "c.npz")
    assert seen == [] and not (tmp_path / "c.npz").exists()


def test_bayesian_regularization_refuses_the_trainers_weight_decay():
    X, T, _ = problem()
    with pytest.raises(ConfigError, match="sets its own weight penalty alpha.*with fit: leave weight_decay at 0"):
        fit(Network([2, 3, 1], "tanh", "identity"), X, T, optimizer="bayesian_regularization",
            weight_decay=0.01)


@pytest.mark.parametrize("name", ORACLE)
def test_clip_grad_norm_is_refused(name):
    X, T, _ = problem()
    with pytest.raises(ConfigError, match="clip_grad_norm does not apply"):
        fit(Network([2, 3, 1], "tanh", "identity"), X, T, optimizer=name, clip_grad_norm=1.0)


@pytest.mark.parametrize("name", ["lbfgs", "levenberg_marquardt", "bayesian_regularization", "cg"])
def test_checkpoint_and_resume_is_bit_for_bit(name, tmp_path):
    class Hook(Callback):
        def on_iteration_end(self, event):
            if event.iteration == 4:
                signal.raise_signal(signal.SIGINT)

    X, T, _ = problem(40)
    decay = 0.0 if name == "bayesian_regularization" else 1e-3
    kw = dict(optimizer=name, epochs=9, weight_decay=decay, validation_fraction=0.2, random_state=3,
              checkpoint_path=tmp_path / "run.npz", progress=False)
    a = Network([2, 5, 1], "tanh", "identity", random_state=1)
    ha = fit(a, X, T, **{**kw, "checkpoint_path": None})
    b = Network([2, 5, 1], "tanh", "identity", random_state=1)
    hb = fit(b, X, T, callbacks=[Hook()], **kw)
    assert hb.stop_reason == "interrupted" and hb.n_iterations == 4
    c = Network([2, 5, 1], "tanh", "identity", random_state=9)
    hc = fit(c, X, T, resume=True, **kw)
    np.testing.assert_array_equal(c.params, a.params)
    assert hc.loss == ha.loss and hc.val_loss == ha.val_loss and hc.n_iterations == ha.n_iterations
