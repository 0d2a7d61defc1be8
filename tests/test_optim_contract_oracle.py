"""Every registered oracle optimizer drives a parabola, Rosenbrock and a 2-2-1 XOR net to low loss.

The table below must have a row for each optimizer with ``needs_oracle``:
adding one to the registry without a row fails ``test_every_oracle_optimizer_has_a_row``.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop import ConfigError, Network
from backprop.optim import available, get
from backprop.optim.oracle import FunctionOracle, NetworkOracle

ORACLE_OPTIMIZERS = [n for n in available() if get(n).needs_oracle]

# name: hyperparameters for plain functions / for the network, iterations, and
# "function": None where the method refuses plain functions (its message is asserted).
SETTINGS = {
    "cg": dict(fn={}, net={}, iters=200),
    "scg": dict(fn={}, net={}, iters=200),
    "lbfgs": dict(fn={}, net={}, iters=150),
    "levenberg_marquardt": dict(fn={}, net={}, iters=60),
    "bayesian_regularization": dict(fn={}, net={}, iters=100),
    "natural_gradient": dict(fn={"fisher": "true"}, net={}, iters=150),
    "kfac": dict(fn=None, net={}, iters=150,
                 refusal="kfac needs a NetworkOracle"),
}


def _parabola():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(8, 4))
    b = A @ rng.normal(size=4)
    return FunctionOracle(lambda x: 0.5 * np.sum((A @ x - b) ** 2), lambda x: A.T @ (A @ x - b),
                          hvp=lambda x, v: A.T @ (A @ v), residuals=lambda x: A @ x - b,
                          jacobian=lambda x: A), np.zeros(4)


def _rosenbrock():
    """E = 1/2 [(10 (y - x^2))^2 + (1 - x)^2]: half the Rosenbrock function, minimum 0 at (1, 1)."""
    res = lambda w: np.array([10 * (w[1] - w[0] ** 2), 1 - w[0]])
    jac = lambda w: np.array([[-20 * w[0], 10.0], [-1.0, 0.0]])
    grad = lambda w: jac(w).T @ res(w)
    hvp = lambda w, v: jac(w).T @ (jac(w) @ v) + res(w)[0] * np.array([-20 * v[0], 0.0])
    return FunctionOracle(lambda w: 0.5 * res(w) @ res(w), grad, hvp, res, jac), np.array([-1.2, 1.0])


def _xor():
    """Four XOR patterns, ten noisy copies each (N = 40 > P = 9, as Bayesian regularisation needs)."""
    rng = np.random.default_rng(0)
    X0, T0 = np.array([[0, 0], [0, 1], [1, 0], [1, 1.0]]), np.array([0, 1, 1, 0.0])
    X, T = np.repeat(X0, 10, 0) + rng.normal(0, 0.05, (40, 2)), np.repeat(T0, 10)
    net = Network((2, 2, 1), "tanh", output_activation="sigmoid", random_state=5)
    return NetworkOracle(net, X, T, loss="squared_error"), net.params.copy()


def _run(name, hp, oracle, x, iters):
    opt = get(name, **hp)
    state = opt.init(x)
    for _ in range(iters):
        _, g = oracle.loss_and_grad(x)
        step, state = opt.update(g, state, x, oracle)
        x += step
    return oracle.loss(x), x, state


def test_every_oracle_optimizer_has_a_row():
    assert ORACLE_OPTIMIZERS, "no oracle optimizers registered"
    missing = sorted(set(ORACLE_OPTIMIZERS) - set(SETTINGS))
    assert not missing, f"add a SETTINGS row for {missing}"


@pytest.mark.parametrize("name", ORACLE_OPTIMIZERS)
def test_declares_full_batch_and_refuses_missing_oracle(name):
    opt = get(name)
    assert opt.needs_oracle and opt.full_batch_only
    x = np.zeros(3)
    with pytest.raises(ConfigError, match=f"optimizer '{name}' needs an oracle"):
        opt.update(np.ones(3), opt.init(x), x)
    oracle, _ = _parabola()
    X = np.zeros((2, 4))
    with pytest.raises(ConfigError, match=f"'{name}' trains one network at a time"):
        opt.update(np.ones((2, 4)), opt.init(X), X, oracle)


@pytest.mark.parametrize("problem", [_parabola, _rosenbrock], ids=["parabola", "rosenbrock"])
@pytest.mark.parametrize("name", ORACLE_OPTIMIZERS)
def test_minimises_plain_functions(name, problem):
    row = SETTINGS[name]
    oracle, x0 = problem()
    if row["fn"] is None:
        with pytest.raises(ConfigError, match=row["refusal"]):
            _run(name, {}, oracle, x0, 1)
        return
    loss, x, _ = _run(name, row["fn"], oracle, x0, row["iters"])
    assert loss < 1e-12, f"{name}: E = {loss:g} at {x}"
    assert np.linalg.norm(oracle.gradient(x)) < 1e-5


@pytest.mark.parametrize("name", ORACLE_OPTIMIZERS)
def test_trains_xor_network(name):
    row = SETTINGS[name]
    oracle, x0 = _xor()
    start = oracle.loss(x0)
    loss, x, state = _run(name, row["net"], oracle, x0, row["iters"])
    assert np.all(np.isfinite(x))
    assert loss < 1e-3 < start, f"{name}: E = {loss:g} (start {start:g})"
    oracle.loss(x)   # the scratch network now holds x
    z = oracle.network.forward(np.array([[0, 0], [0, 1], [1, 0], [1, 1.0]]))[:, 0]
    np.testing.assert_array_equal(z > 0.5, [False, True, True, False])
