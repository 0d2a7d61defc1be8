"""The optimizer contract, for every registered optimizer that needs no oracle.

Each one drives a convex parabola and the 2-D Rosenbrock function to low
loss and trains the lecture's 2-2-1 sigmoid network on XOR.  The settings
are the ``contract`` entries of tests/optim_table.py; an optimizer without a
row fails, so a new one cannot be skipped silently.
"""

from __future__ import annotations

import numpy as np
import pytest
from optim_table import FIRST_ORDER as NAMES
from optim_table import ROWS

from backprop import Network, optim

# name: {problem: (hyperparameters, maximum number of updates)}: the rows of tests/optim_table.py
SETTINGS = {name: r.contract for name, r in ROWS.items()}

H, C = np.array([1.0, 3.0, 10.0]), np.array([1.0, -2.0, 0.5])


def parabola(w):
    """E = 1/2 sum h_i (w_i - c_i)^2: convex, condition number 10, minimum 0 at c."""
    d = w - C
    return 0.5 * float(np.sum(H * d * d)), H * d


def rosenbrock(w):
    """E = (1 - x)^2 + 100 (y - x^2)^2: a curved valley, minimum 0 at (1, 1)."""
    x, y = w
    r = y - x * x
    return (1 - x) ** 2 + 100 * r * r, np.array([-2 * (1 - x) - 400 * x * r, 200 * r])


PROBLEMS = {"parabola": (parabola, [0.0, 0.0, 0.0], 1e-6),
            "rosenbrock": (rosenbrock, [-1.2, 1.0], 1e-3)}


def _settings(name, problem):
    if name not in SETTINGS:
        pytest.fail(f"optimizer {name!r} has no row in tests/optim_table.py: add one")
    return SETTINGS[name][problem]


def _minimize(name, f, w0, kwargs, steps):
    opt = optim.get(name, **kwargs)
    w = np.array(w0)
    state = opt.init(w)
    for _ in range(steps):
        E, g = f(w)
        step, state = opt.update(g, state, w)
        w += step
    return f(w)[0], w


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("name", NAMES)
def test_reaches_the_minimum(name, problem):
    f, w0, tol = PROBLEMS[problem]
    kwargs, steps = _settings(name, problem)
    E0 = f(np.array(w0))[0]
    E, w = _minimize(name, f, w0, kwargs, steps)
    assert E < tol < E0


def test_every_optimizer_has_a_row():
    assert set(SETTINGS) == set(NAMES)


X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = np.array([0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_trains_xor(name):
    kwargs, steps = _settings(name, "xor")
    net = Network([2, 2, 1], random_state=3)
    params = net.params
    opt = optim.get(name, **kwargs)
    state = opt.init(net.params)
    E0, _ = net.loss_and_grad(X, T)
    for _ in range(steps):
        E, grad = net.loss_and_grad(X, T)
        if E < 0.05:
            break
        step, state = opt.update(grad, state, net.params)
        net.params += step
    assert E < 0.05 < E0
    assert net.params is params and net.layers[0].W.base is params
    np.testing.assert_array_equal(net.forward(X).ravel() > 0.5, T > 0.5)


@pytest.mark.parametrize("name", NAMES)
def test_update_contract(rng, name):
    """init leaves params alone; update leaves params and grad alone, counts t, returns the step buffer."""
    opt = optim.get(name)
    w = rng.normal(size=5)
    w0 = w.copy()
    state = opt.init(w)
    assert state["t"] == 0 and isinstance(state["learning_rate"], float)
    assert state["step"].shape == w.shape and state["step"] is not w
    for t in (1, 2):
        g = rng.normal(size=5)
        g0 = g.copy()
        step, state = opt.update(g, state, w)
        assert step is state["step"] and state["t"] == t
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(g, g0)
        assert np.all(np.isfinite(step)) and np.any(step != 0)
