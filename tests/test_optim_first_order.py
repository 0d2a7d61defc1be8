"""First-order optimizers: one exact step from planted state, teaching state, errors, batching."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from backprop import ConfigError, optim
from backprop.optim.base import _REGISTRY

P = 7
FIRST_ORDER = [n for n in optim.available() if not _REGISTRY[n].needs_oracle]


@pytest.fixture
def wg(rng):
    return rng.normal(size=P), rng.normal(size=P)


def _one_step(name, kwargs, w, g, t, **planted):
    opt = optim.get(name, **kwargs)
    state = opt.init(w)
    state["t"] = t
    for key, value in planted.items():
        if isinstance(state[key], np.ndarray):
            state[key][...] = value
        else:
            state[key] = value
    step, state = opt.update(g, state, w)
    return step.copy(), state


# --- one step from planted state, against the formula written out here ------------------
@pytest.mark.parametrize("nesterov, dampening", [(False, 0.0), (False, 0.3), (True, 0.0)])
@pytest.mark.parametrize("lecture_form", [False, True])
def test_sgd_one_step(wg, rng, nesterov, dampening, lecture_form):
    w, g = wg
    buf = rng.normal(size=P)
    a, eta, wd = 0.9, 0.1, 0.01
    kw = dict(learning_rate=eta, momentum=a, dampening=dampening, nesterov=nesterov,
              weight_decay=wd, lecture_form=lecture_form)
    step, st = _one_step("sgd", kw, w, g, 3, momentum_buffer=buf)
    gd = g + wd * w
    if lecture_form:
        new = a * buf - eta * (1 - dampening) * gd
        expected = a * new - eta * gd if nesterov else new
    else:
        new = a * buf + (1 - dampening) * gd
        expected = -eta * (gd + a * new) if nesterov else -eta * new
    np.testing.assert_allclose(st["momentum_buffer"], new, rtol=1e-14)
    np.testing.assert_allclose(step, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(st["g"], gd, rtol=1e-15)


def test_sgd_plain_step_is_minus_eta_g(wg):
    w, g = wg
    step, _ = _one_step("sgd", dict(learning_rate=0.3), w, g, 0)
    np.testing.assert_array_equal(step, -0.3 * g)


def test_adagrad_one_step(wg, rng):
    w, g = wg
    G = rng.uniform(0.5, 2.0, P)
    kw = dict(learning_rate=0.1, lr_decay=0.2, weight_decay=0.05, eps=1e-3)
    step, st = _one_step("adagrad", kw, w, g, 3, sum_sq=G)
    gd = g + 0.05 * w
    eta_t = 0.1 / (1 + 3 * 0.2)                      # t = 4 after the update
    np.testing.assert_allclose(st["sum_sq"], G + gd ** 2, rtol=1e-15)
    np.testing.assert_allclose(step, -eta_t * gd / (np.sqrt(G + gd ** 2) + 1e-3), rtol=1e-14)
    np.testing.assert_allclose(st["effective_learning_rate"], eta_t / (np.sqrt(G + gd ** 2) + 1e-3),
                               rtol=1e-14)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_rmsprop_one_step(wg, rng, centered, momentum):
    w, g = wg
    v, gbar, buf = rng.uniform(1.0, 2.0, P), rng.uniform(-0.5, 0.5, P), rng.normal(size=P)
    kw = dict(learning_rate=0.01, rho=0.9, eps=1e-4, centered=centered, momentum=momentum)
    planted = {"v": v, **({"grad_avg": gbar} if centered else {}),
               **({"momentum_buffer": buf} if momentum else {})}
    step, st = _one_step("rmsprop", kw, w, g, 5, **planted)
    v1 = 0.9 * v + 0.1 * g ** 2
    gbar1 = 0.9 * gbar + 0.1 * g
    denom = np.sqrt(v1 - gbar1 ** 2 if centered else v1) + 1e-4
    if momentum:
        buf1 = 0.7 * buf + g / denom
        np.testing.assert_allclose(st["momentum_buffer"], buf1, rtol=1e-14)
        expected = -0.01 * buf1
    else:
        expected = -0.01 * g / denom
    np.testing.assert_allclose(st["v"], v1, rtol=1e-15)
    np.testing.assert_allclose(step, expected, rtol=1e-13)
    np.testing.assert_allclose(st["effective_learning_rate"], 0.01 / denom, rtol=1e-14)


@pytest.mark.parametrize("name, amsgrad", [("adam", False), ("adam", True), ("adamw", False)])
def test_adam_one_step(wg, rng, name, amsgrad):
    w, g = wg
    m, v, vmax = rng.normal(size=P), rng.uniform(0, 1, P), rng.uniform(0, 2, P)
    b1, b2, eta, eps, wd, t = 0.8, 0.95, 0.01, 1e-6, 0.1, 4
    kw = dict(learning_rate=eta, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, amsgrad=amsgrad)
    planted = {"m": m, "v": v, **({"v_max": vmax} if amsgrad else {})}
    step, st = _one_step(name, kw, w, g, t, **planted)
    gd = g + wd * w if name == "adam" else g
    m1, v1 = b1 * m + (1 - b1) * gd, b2 * v + (1 - b2) * gd ** 2
    vv = np.maximum(vmax, v1) if amsgrad else v1
    m_hat, v_hat = m1 / (1 - b1 ** 5), vv / (1 - b2 ** 5)
    expected = -eta * m_hat / (np.sqrt(v_hat) + eps)
    if name == "adamw":
        expected -= eta * wd * w
        np.testing.assert_allclose(st["decay_step"], -eta * wd * w, rtol=1e-15)
    np.testing.assert_allclose(st["m"], m1, rtol=1e-14)
    np.testing.assert_allclose(st["v"], v1, rtol=1e-14)
    np.testing.assert_allclose(step, expected, rtol=1e-13)
    np.testing.assert_allclose(st["effective_learning_rate"], eta / (np.sqrt(v_hat) + eps), rtol=1e-14)


def test_adamax_one_step(wg, rng):
    w, g = wg
    m, u = rng.normal(size=P), rng.uniform(0, 2, P)
    step, st = _one_step("adamax", dict(learning_rate=0.02, beta1=0.8, beta2=0.9, eps=1e-3), w, g, 2,
                         m=m, u=u)
    m1, u1 = 0.8 * m + 0.2 * g, np.maximum(0.9 * u, np.abs(g) + 1e-3)
    np.testing.assert_allclose(st["u"], u1, rtol=1e-15)
    np.testing.assert_allclose(step, -0.02 / (1 - 0.8 ** 3) * m1 / u1, rtol=1e-13)


def test_nadam_one_step(wg, rng):
    w, g = wg
    m, v, prod = rng.normal(size=P), rng.uniform(0, 1, P), 0.5
    b1, b2, eta, eps, psi = 0.9, 0.99, 0.01, 1e-8, 0.004
    step, st = _one_step("nadam", dict(learning_rate=eta, beta1=b1, beta2=b2, momentum_decay=psi),
                         w, g, 4, m=m, v=v, mu_product=prod)
    mu5, mu6 = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (5, 6))
    m1, v1 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
    denom = np.sqrt(v1 / (1 - b2 ** 5)) + eps
    expected = -eta * ((1 - mu5) / (1 - prod * mu5) * g + mu6 / (1 - prod * mu5 * mu6) * m1) / denom
    np.testing.assert_allclose(step, expected, rtol=1e-13)
    assert st["mu"] == pytest.approx(mu5, rel=1e-15)
    assert st["mu_product"] == pytest.approx(prod * mu5, rel=1e-15)


def test_rprop_one_step():
    g = np.array([1.0, -2.0, 3.0, 0.5, -0.1, 2.0, 0.0])
    prev = np.array([2.0, -1.0, -1.0, 0.0, 0.3, 1.0, 1.0])
    delta = np.array([0.1, 0.1, 0.1, 0.1, 1e-3, 0.3, 0.1])
    kw = dict(etas=(0.4, 1.5), step_sizes=(1e-3, 0.4))
    step, st = _one_step("rprop", kw, np.zeros(P), g, 3, step_size=delta, prev_grad=prev)
    # same sign: grow x1.5 (capped at 0.4), sign flip: shrink x0.4 (floored at 1e-3) and stay,
    # a zero product: keep the step size
    np.testing.assert_allclose(st["step_size"], [0.15, 0.15, 0.04, 0.1, 1e-3, 0.4, 0.1], rtol=1e-15)
    np.testing.assert_allclose(step, [-0.15, 0.15, 0.0, -0.1, 0.0, -0.4, 0.0], rtol=1e-15)
    np.testing.assert_array_equal(st["prev_grad"], [1.0, -2.0, 0.0, 0.5, 0.0, 2.0, 0.0])


def test_rprop_first_step_uses_learning_rate():
    step, st = _one_step("rprop", dict(learning_rate=0.07), np.zeros(3), np.array([2.0, -1.0, 0.0]), 0)
    np.testing.assert_allclose(step, [-0.07, 0.07, 0.0])
    np.testing.assert_allclose(st["step_size"], 0.07)


def _fann_quickprop(w, g, prev_step, prev_g, eta, mu, decay, eps, bounded=True):
    """FANN's fann_update_weights_quickprop for one weight, in FANN's slope = -gradient form.

    ``bounded``: our documented deviation -- the parabola factor slope / (prev_slope - slope)
    is clipped to [-mu, mu] and is 0 where the slopes are equal.
    """
    slope, prev_slope = -(g + decay * w), -prev_g

    def parabola():
        if not bounded:
            return prev_step * slope / (prev_slope - slope)
        if prev_slope == slope:
            return 0.0
        return prev_step * min(max(slope / (prev_slope - slope), -mu), mu)

    shrink = mu / (1.0 + mu)
    nxt = 0.0
    if prev_step > eps:
        if slope > 0.0:
            nxt += eta * slope
        if slope > shrink * prev_slope:
            nxt += mu * prev_step
        else:
            nxt += parabola()
    elif prev_step < -eps:
        if slope < 0.0:
            nxt += eta * slope
        if slope < shrink * prev_slope:
            nxt += mu * prev_step
        else:
            nxt += parabola()
    else:
        nxt += eta * slope
    return nxt, -slope


def test_quickprop_one_step_matches_fann_formula():
    # weights chosen to hit every branch: zero last step, linear term, max step, parabola, both signs
    w = np.array([0.5, -1.0, 2.0, 0.3, -0.7, 1.5, 0.2, -0.4])
    g = np.array([0.8, -0.8, -0.2, 0.3, 0.9, -0.9, 0.1, -0.3])
    prev_step = np.array([0.0, 0.1, 0.2, 0.2, -0.3, -0.1, 5e-4, -0.2])
    prev_g = np.array([0.3, -1.0, -1.0, -0.4, 1.0, -0.5, 0.7, -0.5])
    eta, mu, decay, eps = 0.5, 1.75, 1e-2, 1e-3
    opt = optim.get("quickprop", learning_rate=eta, mu=mu, weight_decay=decay, eps=eps)
    state = opt.init(w)
    state["prev_step"][...], state["prev_grad"][...] = prev_step, prev_g
    step, state = opt.update(g, state, w)
    args = list(zip(w, g, prev_step, prev_g))
    expected = [_fann_quickprop(*a, eta, mu, decay, eps) for a in args]
    np.testing.assert_allclose(step, [e[0] for e in expected], rtol=1e-14)
    np.testing.assert_allclose(state["prev_grad"], [e[1] for e in expected], rtol=1e-15)
    np.testing.assert_array_equal(state["prev_step"], step)
    # the branches really were all taken: linear only, max step, parabola, for both signs
    gd = g + decay * w
    assert step[0] == pytest.approx(-eta * gd[0])                           # no last step
    assert step[1] == pytest.approx(-eta * gd[1] + mu * 0.1)                # max step + linear
    assert step[3] == pytest.approx(0.2 * gd[3] / (prev_g[3] - gd[3]))      # parabola, overshot
    assert step[2] == pytest.approx(-eta * gd[2] + 0.2 * gd[2] / (prev_g[2] - gd[2]))  # parabola
    assert step[4] == pytest.approx(-eta * gd[4] + mu * -0.3)               # max step, negative
    # the bound bites only where the last step went uphill (weight 5); elsewhere it is FANN exactly
    fann = np.array([_fann_quickprop(*a, eta, mu, decay, eps, bounded=False)[0] for a in args])
    assert step[5] == pytest.approx(mu * 0.1) and fann[5] > mu * 0.1
    np.testing.assert_allclose(np.delete(step, 5), np.delete(fann, 5), rtol=1e-14)


def test_quickprop_equal_slopes_restart_with_a_gradient_step():
    opt = optim.get("quickprop", learning_rate=0.7, weight_decay=0.0)
    state = opt.init(np.zeros(2))
    state["prev_step"][...], state["prev_grad"][...] = [0.1, -0.1], [0.5, -0.2]
    step, state = opt.update(np.array([0.5, -0.2]), state, np.zeros(2))
    np.testing.assert_array_equal(step, [0.0, 0.0])                       # FANN: division by zero
    step, state = opt.update(np.array([0.5, -0.2]), state, np.zeros(2))
    np.testing.assert_allclose(step, [-0.35, 0.14])


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
