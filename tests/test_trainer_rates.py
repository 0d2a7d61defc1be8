"""Per-parameter learning rates for one network: an array ``learning_rate`` of shape (P,)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop import ConfigError, Network, Trainer, fit
from backprop.training import CheckpointError

pytestmark = pytest.mark.filterwarnings("ignore::backprop.ConvergenceWarning")


def problem(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.tanh(X @ rng.normal(size=(3, 2)))


def per_layer(net, etas):
    rates = np.empty_like(net.params)
    for (W, b), eta in zip(net.unflatten(rates), etas):
        W[...] = b[...] = eta
    return rates


def test_per_parameter_rates_give_each_layer_its_own_sgd_step():
    """The trainer's run equals a hand loop with step -eta_l g in layer l (momentum 0.9, mini-batches)."""
    X, T = problem()
    net, ref = Network([3, 5, 2], "tanh", "identity", random_state=1), \
        Network([3, 5, 2], "tanh", "identity", random_state=1)
    rates = per_layer(net, [0.02, 0.2])
    kept = rates.copy()
    hist = fit(net, X, T, optimizer_params={"learning_rate": rates, "momentum": 0.9}, batch_size=7,
               epochs=5, random_state=4, progress=False)
    rng, v = np.random.default_rng(4), np.zeros_like(ref.params)
    for _ in range(5):
        order = rng.permutation(len(X))
        for i in range(0, len(X), 7):
            idx = order[i:i + 7]
            _, g = ref.loss_and_grad(X[idx], T[idx], reduction="mean")
            v = 0.9 * v - kept * g
            ref.params += v
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(rates, kept)                  # the caller's array is not written
    assert hist.learning_rate == [0.2] * 5                      # the History logs the largest rate


def test_equal_per_parameter_rates_are_the_scalar_rate_bit_for_bit():
    X, T = problem()
    a, b = (Network([3, 4, 2], "tanh", "identity", random_state=2) for _ in range(2))
    kw = dict(batch_size=10, epochs=4, random_state=0, progress=False, engine="numpy",  # one loop
              schedule={"name": "step", "step_size": 2, "gamma": 0.5})
    ha = fit(a, X, T, optimizer="adam", optimizer_params={"learning_rate": 0.01}, **kw)
    hb = fit(b, X, T, optimizer="adam", optimizer_params={"learning_rate": np.full(b.n_params, 0.01)},
             **kw)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.loss == hb.loss and ha.learning_rate == hb.learning_rate == [0.01, 0.01, 0.005, 0.005]


def test_plateau_schedule_scales_per_parameter_rates():
    X, T = problem()
    net = Network([3, 4, 2], "tanh", "identity", random_state=2)
    rates = per_layer(net, [0.001, 0.004])
    tr = Trainer(optimizer_params={"learning_rate": rates}, epochs=6, progress=False,
                 schedule={"name": "plateau", "patience": 0, "min_delta": 10.0, "factor": 0.5})
    hist = tr.fit(net, X, T)
    lr = tr.run_.opt_state["learning_rate"]
    assert lr.shape == (net.n_params,) and hist.learning_rate[-1] == lr.max()
    np.testing.assert_allclose(lr / rates, lr[0] / rates[0])    # every rate cut by the same factor
    assert lr[0] < rates[0]


def test_bad_per_parameter_rates_are_refused():
    X, T = problem()
    net = Network([3, 4, 2], "tanh", "identity")
    with pytest.raises(ConfigError, match=rf"one rate or one per parameter \({net.n_params}\), got shape \(3,\)"):
        fit(net, X, T, optimizer_params={"learning_rate": [0.1, 0.1, 0.1]})
    with pytest.raises(ConfigError, match="learning_rate=-0.1 is out of range"):
        fit(net, X, T, optimizer_params={"learning_rate": np.full(net.n_params, -0.1)})
    with pytest.raises(ConfigError, match="per-parameter learning rates need an element-wise optimizer"):
        fit(net, X, T, optimizer="natural_gradient",
            optimizer_params={"learning_rate": np.full(net.n_params, 0.1)})
    with pytest.raises(ConfigError, match="a list of optimizers needs a NetworkStack"):
        fit(net, X, T, optimizer=["sgd", "adam"])


def test_a_checkpoint_keeps_the_per_parameter_rates(tmp_path):
    X, T = problem()
    nets = [Network([3, 4, 2], "tanh", "identity", random_state=2) for _ in range(2)]
    rates = per_layer(nets[0], [0.01, 0.05])
    kw = dict(optimizer_params={"learning_rate": rates, "momentum": 0.5}, batch_size=8,
              random_state=1, progress=False)
    fit(nets[0], X, T, epochs=6, **kw)
    fit(nets[1], X, T, epochs=3, checkpoint_path=tmp_path / "c.npz", **kw)
    fit(nets[1], X, T, epochs=6, checkpoint_path=tmp_path / "c.npz", resume=True, **kw)
    np.testing.assert_array_equal(nets[0].params, nets[1].params)
    other = {**kw, "optimizer_params": {"learning_rate": 2 * rates, "momentum": 0.5}}
    with pytest.raises(CheckpointError, match="written with optimizer_params="):
        fit(nets[1], X, T, epochs=6, checkpoint_path=tmp_path / "c.npz", resume=True, **other)
