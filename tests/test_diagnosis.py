"""Divergence and stall diagnosis: the causes are named, the best weights kept."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from backprop import ConvergenceWarning, Network, TrainingDiverged, fit
from backprop.training import RecordParams, diagnose


def test_huge_learning_rate_on_unscaled_inputs_diverges_with_a_useful_message():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * np.array([1.0, 100.0, 3000.0])
    T = X @ np.array([1.0, 0.01, 0.001])[:, None]
    net = Network([3, 5, 1], "tanh", "identity", random_state=0)
    rec = RecordParams()
    with pytest.warns(TrainingDiverged) as w:
        h = fit(net, X, T, optimizer_params={"learning_rate": 10.0}, epochs=50, batch_size=16,
                callbacks=[rec])
    msg = str(w[0].message)
    assert h.stop_reason == "diverged" and h.diagnosis == msg
    assert np.all(np.isfinite(net.params))
    np.testing.assert_array_equal(net.params, rec.params[rec.epochs.index(h.best_epoch)])
    assert "inputs are not scaled" in msg and "max |x| = " in msg and "learning rate 10" in msg
    assert "standardize" in msg and "try 1 " in msg


def test_exploding_loss_detected_before_overflow():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    T = X.sum(axis=1, keepdims=True)
    net = Network([2, 1], "identity", random_state=0)
    with pytest.warns(TrainingDiverged):
        h = fit(net, X, T, optimizer_params={"learning_rate": 2.5}, epochs=200)
    assert h.stop_reason == "diverged" and np.isfinite(h.loss[-1])
    assert h.loss[-1] > 1e3 * min(h.loss[:-1])
    assert "weights exploded" in h.diagnosis or "learning rate" in h.diagnosis


def test_saturated_sigmoid_run_is_diagnosed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    T = (X[:, :1] > 0).astype(float)
    net = Network([4, 10, 1], "sigmoid", random_state=0)
    net.layers[0].W[...] *= 60.0  # huge first-layer weights: hidden units pinned at 0 or 1
    with pytest.warns(ConvergenceWarning) as w:
        h = fit(net, X, T, optimizer_params={"learning_rate": 0.01}, epochs=30)
    msg = str(w[0].message)
    assert "saturated" in msg and h.diagnosis == msg
    d = diagnose(net, X, kind="stalled")
    assert d.causes[0] == "saturated_units" and d.stats["saturated_fraction"] > 0.8
    assert "inputs_not_scaled" not in d.causes


def test_dead_relu_units_found():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    net = Network([3, 8, 1], "relu", "identity", random_state=0)
    net.layers[0].b[:6] = -100.0
    d = diagnose(net, X, kind="stalled")
    assert d.stats["dead_fraction"] == pytest.approx(6 / 8)
    assert "dead_relu" in d.causes


def test_healthy_converged_run_does_not_warn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    T = X @ np.array([[1.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(Network([2, 1], "identity", random_state=0), X, T,
                optimizer_params={"learning_rate": 0.5}, epochs=200)
    assert h.stop_reason == "max_epochs" and h.diagnosis is None


def test_still_decreasing_run_warns_to_train_longer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    T = X @ np.array([[1.0], [-1.0]])
    with pytest.warns(ConvergenceWarning, match="still decreasing.*more epochs"):
        fit(Network([2, 1], "identity", random_state=0), X, T,
            optimizer_params={"learning_rate": 0.001}, epochs=20)


def test_a_loss_at_rounding_level_has_converged():
    from backprop.training.diagnosis import stall_kind
    assert stall_kind([1e-26, 1e-28, 1e-30, 1e-32, 5e-33], baseline=1.0) is None
    assert stall_kind([1.0, 0.5, 0.25, 0.1], baseline=1.0) == "decreasing"
    assert stall_kind([0.9, 0.9, 0.9, 0.9], baseline=1.0) == "high"


def test_standardised_inputs_with_rare_large_values_are_not_called_unscaled():
    """A standardised column holding a seldom-on pixel reaches |x| ~ 30 with std 1: that is scaled."""
    from backprop.training.diagnosis import diagnose
    rng = np.random.default_rng(0)
    X = np.zeros((1000, 3))
    X[:, 0] = rng.normal(size=1000)
    X[:1, 1] = 1.0                                   # one pixel on in one image of 1000
    X[:, 2] = rng.uniform(size=1000)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    assert np.abs(X).max() > 10
    d = diagnose(Network([3, 2, 1], random_state=0), X, kind="diverged")
    assert "inputs_not_scaled" not in d.causes
    d = diagnose(Network([3, 2, 1], random_state=0), X * 50, kind="diverged")
    assert "inputs_not_scaled" in d.causes
