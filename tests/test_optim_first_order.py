"""First-order optimizers: the table is complete, one exact step from planted state, teaching state,
errors, batching."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from optim_table import FIRST_ORDER, ROWS, P, one_step_cases

from backprop import ConfigError, optim
from backprop.optim.base import _REGISTRY


# --- the table: one row per optimizer, every part present ---------------------------------
def test_every_optimizer_has_a_full_row():
    """A registered first-order optimizer needs a row in tests/optim_table.py with every part:
    torch trajectories (or the reason torch lacks it), one-step checks, the contract problems,
    and fast = reference cases exactly when it has a compiled kernel."""
    assert set(ROWS) == set(FIRST_ORDER)
    for name in FIRST_ORDER:
        r, cls = ROWS[name], _REGISTRY[name]
        assert r.torch, name
        assert r.one_step, name
        assert set(r.contract) == {"parabola", "rosenbrock", "xor"}, name
        assert bool(r.fast) == (cls.kernel is not None), (
            f"{name}: fast cases are for optimizers with a kernel (and every kernel needs some)")


# --- one step from planted state, against the formula written out in the table -----------
@pytest.mark.parametrize("name, case, check", one_step_cases(),
                         ids=[f"{n}-{c}" for n, c, _ in one_step_cases()])
def test_one_step_from_planted_state(name, case, check, rng):
    check(rng)


def test_quickprop_beats_gradient_descent_on_a_parabola():
    # E = sum h (w - 3)^2 / 2 with curvatures h: the secant steps find the minimum fast
    h = np.array([0.5, 1.0, 4.0])
    errors = {}
    for name in ("quickprop", "sgd"):
        opt = optim.get(name, learning_rate=0.1, **({"weight_decay": 0.0} if name == "quickprop" else {}))
        w = np.zeros(3)
        state = opt.init(w)
        for _ in range(12):
            step, state = opt.update(h * (w - 3), state, w)
            w += step
        errors[name] = np.abs(w - 3).max()
    assert errors["quickprop"] < 1e-6 < 1e-2 < errors["sgd"]


# --- teaching state ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["adam", "adamw", "adamax", "nadam"])
def test_bias_corrections_are_reciprocals(rng, name):
    b1, b2 = 0.8, 0.95
    opt = optim.get(name, beta1=b1, beta2=b2)
    w = rng.normal(size=P)
    state = opt.init(w)
    for t in range(1, 6):
        step, state = opt.update(rng.normal(size=P), state, w)
        w += step
        if "bias_correction1" in state:
            assert state["bias_correction1"] == pytest.approx(1 / (1 - b1 ** t), rel=1e-15)
        assert name == "adamax" or state["bias_correction2"] == pytest.approx(1 / (1 - b2 ** t), rel=1e-15)
    if name in ("adam", "adamax"):
        np.testing.assert_allclose(step, -state["effective_learning_rate"] * state["m"]
                                   * state["bias_correction1"], rtol=1e-14)


# --- invalid hyperparameters -------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, message", [
    ("adamm", {}, "unknown optimizer 'adamm'; valid choices: sgd, adagrad, rmsprop, adam, adamw"),
    ("adam", dict(lr=0.1), "unknown hyperparameter 'lr' for optimizer 'adam' (our name: learning_rate); valid: learning_rate, beta1"),
    ("rmsprop", dict(alpha=0.9), "unknown hyperparameter 'alpha' for optimizer 'rmsprop' (our name: rho); valid: "
                                 "learning_rate, rho"),
    ("sgd", dict(learning_rate=-0.1), "sgd: learning_rate=-0.1 is out of range; valid range: (0, inf)"),
    ("sgd", dict(learning_rate="fast"), "sgd: learning_rate must be a number, got 'fast'"),
    ("sgd", dict(momentum=1.5), "sgd: momentum=1.5 is out of range; valid range: [0, 1]"),
    ("sgd", dict(nesterov=True), "sgd: nesterov momentum requires momentum > 0 and dampening = 0"),
    ("sgd", dict(weight_decay=-1), "sgd: weight_decay=-1 is out of range; valid range: [0, inf)"),
    ("adam", dict(beta1=1.0), "adam: beta1=1.0 is out of range; valid range: [0, 1)"),
    ("adam", dict(beta2=-0.1), "adam: beta2=-0.1 is out of range; valid range: [0, 1)"),
    ("adamw", dict(eps=-1e-8), "adamw: eps=-1e-08 is out of range; valid range: [0, inf)"),
    ("rmsprop", dict(rho=1.0), "rmsprop: rho=1.0 is out of range; valid range: [0, 1)"),
    ("adagrad", dict(lr_decay=-0.5), "adagrad: lr_decay=-0.5 is out of range; valid range: [0, inf)"),
    ("adagrad", dict(initial_accumulator_value=-1.0),
     "adagrad: initial_accumulator_value=-1.0 is out of range; valid range: [0, inf)"),
    ("nadam", dict(momentum_decay=-1), "nadam: momentum_decay=-1 is out of range; valid range: [0, inf)"),
    ("rprop", dict(etas=(-0.5, 1.2)), "rprop: etas=(-0.5, 1.2) is out of range; valid: a pair "
                                      "(eta_minus, eta_plus) with 0 < eta_minus < 1 < eta_plus"),
    ("rprop", dict(etas=(1.2, 0.5)), "rprop: etas=(1.2, 0.5) is out of range; valid: a pair"),
    ("rprop", dict(etas=0.5), "rprop: etas=0.5 is out of range; valid: a pair"),
    ("rprop", dict(step_sizes=(1.0, 0.1)), "rprop: step_sizes=(1.0, 0.1) is out of range; valid: a pair "
                                           "(step_size_min, step_size_max) with 0 <= min <= max"),
    ("quickprop", dict(mu=0.0), "quickprop: mu=0.0 is out of range; valid range: (0, inf)"),
])
def test_invalid_hyperparameters(name, kwargs, message):
    with pytest.raises(ConfigError) as err:
        optim.get(name, **kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_every_range_is_enforced(name):
    cls = _REGISTRY[name]
    assert "learning_rate" in cls.ranges
    for key, (low, *_rest) in cls.ranges.items():
        bad = low - 1.0
        value = (bad, bad) if isinstance(cls.defaults[key], tuple) else bad
        with pytest.raises(ConfigError, match=f"{name}: {key}=.* valid range"):
            optim.get(name, **{key: value})


# --- shapes, dtypes, allocation ----------------------------------------------------------
def _grad(w, A, c):
    return A @ (w - c) + 0.1 * np.sin(5 * w)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_batched_runs_equal_single_runs(rng, name):
    K, steps = 3, 25
    A = np.diag(rng.uniform(0.5, 2.0, P))
    c = rng.normal(size=P)
    W0 = rng.normal(size=(K, P))
    lrs = np.array([[0.01], [0.03], [0.05]])
    opt = optim.get(name)
    W = W0.copy()
    state = opt.init(W)
    state["learning_rate"] = lrs
    for _ in range(steps):
        G = np.stack([_grad(w, A, c) for w in W])
        step, state = opt.update(G, state, W)
        assert step.shape == (K, P)
        W += step
    for k in range(K):
        w = W0[k].copy()
        st = opt.init(w)
        st["learning_rate"] = float(lrs[k, 0])
        for _ in range(steps):
            step, st = opt.update(_grad(w, A, c), st, w)
            w += step
        np.testing.assert_array_equal(W[k], w)
    assert not np.allclose(W[0], W[2])                     # the rates made a difference


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_float32_in_float32_out(rng, name):
    opt = optim.get(name)
    w = rng.normal(size=P).astype(np.float32)
    state = opt.init(w)
    step, state = opt.update(w.copy(), state, w)
    assert step.dtype == np.float32 and step is state["step"]
    assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_update_allocates_no_float_array_of_parameter_size(rng, name):
    n = 200_000
    kwargs = {"weight_decay": 0.01} if "weight_decay" in _REGISTRY[name].defaults else {}
    opt = optim.get(name, **kwargs)
    w, g = rng.normal(size=n), rng.normal(size=n)
    state = opt.init(w)
    opt.update(g, state, w)                                # first update may set things up
    tracemalloc.start()
    try:
        for _ in range(2):
            opt.update(g, state, w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * n                                    # boolean masks (n bytes each) only


def test_docs_examples_run():
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "optimizers.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, "docs/optimizers.md", "exec"), namespace)
    assert namespace["E"] < 0.05
