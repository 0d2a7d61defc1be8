"""The one table of first-order optimizers that the optimizer tests read.

A row per registered element-wise optimizer, with everything its tests need:

    torch     trajectories to match against ``torch.optim`` (our kwargs, torch class, torch
              kwargs), or the reason torch has no such optimizer
    one_step  exact one-step checks from planted state, each against the formula written out
              here: ``(id, check)`` with ``check(rng)`` asserting
    contract  settings for the contract problems: ``{problem: (hyperparameters, max updates)}``
              for the parabola, Rosenbrock and XOR
    fast      compiled-epoch cases checked against the NumPy reference (``test_fast_path.py``),
              for an optimizer with a ``kernel``: ``(hyperparameters, hidden activations,
              output, loss, targets, batch size, reduction, extras)``

Adding an optimizer = its definition plus one row here; ``test_every_optimizer_has_a_full_row``
(``test_optim_first_order.py``) fails for a registered optimizer without one.  (Longer than
300 lines because it is the table: the written-out formulas of every one-step check.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pytest

from backprop import optim

P = 7


@dataclass
class Row:
    torch: list | str
    one_step: list
    contract: dict
    fast: list = field(default_factory=list)


def one_step(name, kwargs, w, g, t, **planted):
    """One update of ``name`` at count ``t`` (it becomes t + 1) from the planted state."""
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


def _wg(rng):
    return rng.normal(size=P), rng.normal(size=P)


# --- one step from planted state, against the formula written out here ------------------
def sgd_step(rng, nesterov, dampening, lecture_form):
    w, g = _wg(rng)
    buf = rng.normal(size=P)
    a, eta, wd = 0.9, 0.1, 0.01
    kw = dict(learning_rate=eta, momentum=a, dampening=dampening, nesterov=nesterov,
              weight_decay=wd, lecture_form=lecture_form)
    step, st = one_step("sgd", kw, w, g, 3, momentum_buffer=buf)
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


def sgd_plain_step(rng):
    w, g = _wg(rng)
    step, _ = one_step("sgd", dict(learning_rate=0.3), w, g, 0)
    np.testing.assert_array_equal(step, -0.3 * g)


def adagrad_step(rng):
    w, g = _wg(rng)
    G = rng.uniform(0.5, 2.0, P)
    kw = dict(learning_rate=0.1, lr_decay=0.2, weight_decay=0.05, eps=1e-3)
    step, st = one_step("adagrad", kw, w, g, 3, sum_sq=G)
    gd = g + 0.05 * w
    eta_t = 0.1 / (1 + 3 * 0.2)                      # t = 4 after the update
    np.testing.assert_allclose(st["sum_sq"], G + gd ** 2, rtol=1e-15)
    np.testing.assert_allclose(step, -eta_t * gd / (np.sqrt(G + gd ** 2) + 1e-3), rtol=1e-14)
    np.testing.assert_allclose(st["effective_learning_rate"], eta_t / (np.sqrt(G + gd ** 2) + 1e-3),
                               rtol=1e-14)


def rmsprop_step(rng, centered, momentum):
    w, g = _wg(rng)
    v, gbar, buf = rng.uniform(1.0, 2.0, P), rng.uniform(-0.5, 0.5, P), rng.normal(size=P)
    kw = dict(learning_rate=0.01, rho=0.9, eps=1e-4, centered=centered, momentum=momentum)
    planted = {"v": v, **({"grad_avg": gbar} if centered else {}),
               **({"momentum_buffer": buf} if momentum else {})}
    step, st = one_step("rmsprop", kw, w, g, 5, **planted)
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


def adam_step(rng, name, amsgrad):
    w, g = _wg(rng)
    m, v, vmax = rng.normal(size=P), rng.uniform(0, 1, P), rng.uniform(0, 2, P)
    b1, b2, eta, eps, wd, t = 0.8, 0.95, 0.01, 1e-6, 0.1, 4
    kw = dict(learning_rate=eta, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, amsgrad=amsgrad)
    planted = {"m": m, "v": v, **({"v_max": vmax} if amsgrad else {})}
    step, st = one_step(name, kw, w, g, t, **planted)
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


def adamax_step(rng):
    w, g = _wg(rng)
    m, u = rng.normal(size=P), rng.uniform(0, 2, P)
    step, st = one_step("adamax", dict(learning_rate=0.02, beta1=0.8, beta2=0.9, eps=1e-3), w, g, 2,
                        m=m, u=u)
    m1, u1 = 0.8 * m + 0.2 * g, np.maximum(0.9 * u, np.abs(g) + 1e-3)
    np.testing.assert_allclose(st["u"], u1, rtol=1e-15)
    np.testing.assert_allclose(step, -0.02 / (1 - 0.8 ** 3) * m1 / u1, rtol=1e-13)


def nadam_step(rng):
    w, g = _wg(rng)
    m, v, prod = rng.normal(size=P), rng.uniform(0, 1, P), 0.5
    b1, b2, eta, eps, psi = 0.9, 0.99, 0.01, 1e-8, 0.004
    step, st = one_step("nadam", dict(learning_rate=eta, beta1=b1, beta2=b2, momentum_decay=psi),
                        w, g, 4, m=m, v=v, mu_product=prod)
    mu5, mu6 = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (5, 6))
    m1, v1 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
    denom = np.sqrt(v1 / (1 - b2 ** 5)) + eps
    momentum_term = -eta * mu6 / (1 - prod * mu5 * mu6) * m1 / denom
    expected = -eta * (1 - mu5) / (1 - prod * mu5) * g / denom + momentum_term
    np.testing.assert_allclose(step, expected, rtol=1e-13)
    np.testing.assert_allclose(st["momentum_step"], momentum_term, rtol=1e-13)
    assert st["mu"] == pytest.approx(mu5, rel=1e-15)
    assert st["mu_product"] == pytest.approx(prod * mu5, rel=1e-15)


def rprop_step(rng):
    g = np.array([1.0, -2.0, 3.0, 0.5, -0.1, 2.0, 0.0])
    prev = np.array([2.0, -1.0, -1.0, 0.0, 0.3, 1.0, 1.0])
    delta = np.array([0.1, 0.1, 0.1, 0.1, 1e-3, 0.3, 0.1])
    kw = dict(etas=(0.4, 1.5), step_sizes=(1e-3, 0.4))
    step, st = one_step("rprop", kw, np.zeros(P), g, 3, step_size=delta, prev_grad=prev)
    # same sign: grow x1.5 (capped at 0.4), sign flip: shrink x0.4 (floored at 1e-3) and stay,
    # a zero product: keep the step size
    np.testing.assert_allclose(st["step_size"], [0.15, 0.15, 0.04, 0.1, 1e-3, 0.4, 0.1], rtol=1e-15)
    np.testing.assert_allclose(step, [-0.15, 0.15, 0.0, -0.1, 0.0, -0.4, 0.0], rtol=1e-15)
    np.testing.assert_array_equal(st["prev_grad"], [1.0, -2.0, 0.0, 0.5, 0.0, 2.0, 0.0])


def rprop_first_step(rng):
    step, st = one_step("rprop", dict(learning_rate=0.07), np.zeros(3), np.array([2.0, -1.0, 0.0]), 0)
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


def quickprop_step(rng):
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


def quickprop_equal_slopes(rng):
    opt = optim.get("quickprop", learning_rate=0.7, weight_decay=0.0)
    state = opt.init(np.zeros(2))
    state["prev_step"][...], state["prev_grad"][...] = [0.1, -0.1], [0.5, -0.2]
    step, state = opt.update(np.array([0.5, -0.2]), state, np.zeros(2))
    np.testing.assert_array_equal(step, [0.0, 0.0])                       # FANN: division by zero
    step, state = opt.update(np.array([0.5, -0.2]), state, np.zeros(2))
    np.testing.assert_allclose(step, [-0.35, 0.14])


def _each(fn, **grid):
    """``(id, check)`` for every combination of the keyword values in ``grid``."""
    combos = [{}]
    for key, values in grid.items():
        combos = [{**c, key: v} for c in combos for v in values]
    return [("-".join(f"{k}={v}" for k, v in c.items()), partial(fn, **c)) for c in combos]


NO_DECAY = {"weight_decay": 0.0}

ROWS: dict[str, Row] = {
    "sgd": Row(
        torch=[
            (dict(learning_rate=0.02), "SGD", dict(lr=0.02)),
            (dict(learning_rate=0.02, momentum=0.9), "SGD", dict(lr=0.02, momentum=0.9)),
            (dict(learning_rate=0.02, momentum=0.9, dampening=0.3, weight_decay=0.05),
             "SGD", dict(lr=0.02, momentum=0.9, dampening=0.3, weight_decay=0.05)),
            (dict(learning_rate=0.02, momentum=0.8, nesterov=True, weight_decay=0.01),
             "SGD", dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.01)),
            (dict(learning_rate=0.02, momentum=0.9, lecture_form=True), "SGD",
             dict(lr=0.02, momentum=0.9)),
            (dict(learning_rate=0.02, momentum=0.9, dampening=0.3, lecture_form=True),
             "SGD", dict(lr=0.02, momentum=0.9, dampening=0.3)),
            (dict(learning_rate=0.02, momentum=0.8, nesterov=True, lecture_form=True),
             "SGD", dict(lr=0.02, momentum=0.8, nesterov=True)),
        ],
        one_step=[*[(f"nesterov={n}-dampening={d}-lecture_form={lf}",
                     partial(sgd_step, nesterov=n, dampening=d, lecture_form=lf))
                    for lf in (False, True) for n, d in ((False, 0.0), (False, 0.3), (True, 0.0))],
                  ("plain", sgd_plain_step)],
        contract={"parabola": (dict(learning_rate=0.15), 300),
                  "rosenbrock": (dict(learning_rate=1e-3, momentum=0.9), 2000),
                  "xor": (dict(learning_rate=0.5, momentum=0.9), 1000)},
        fast=[
            ({"learning_rate": 0.3}, ["sigmoid"], "sigmoid", "squared_error", "binary", 1, "sum", {}),
            ({"learning_rate": 0.05, "momentum": 0.9}, ["tanh"], "identity", "squared_error",
             "real", 1, "mean", {}),
            ({"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, ["relu", "tanh"], "softmax",
             "cross_entropy", "classes", 5, "mean", {}),
            ({"learning_rate": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
             ["identity"], "tanh", "squared_error", "real", 4, "sum", {"sw": True}),
            ({"learning_rate": 0.05, "momentum": 0.9, "lecture_form": True, "dampening": 0.2},
             ["sigmoid"], "sigmoid", "binary_cross_entropy", "binary", 5, "mean", {"wd": 1e-2}),
            ({"learning_rate": 0.05, "momentum": 0.9, "lecture_form": True, "nesterov": True},
             ["tanh"], "softmax", "binary_cross_entropy", "binary", 3, "mean", {}),
        ]),
    "adagrad": Row(
        torch=[
            (dict(learning_rate=0.1), "Adagrad", dict(lr=0.1)),
            (dict(learning_rate=0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.05,
                  eps=1e-6),
             "Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.05,
                             eps=1e-6)),
        ],
        one_step=[("planted", adagrad_step)],
        contract={"parabola": (dict(learning_rate=0.5), 300),
                  "rosenbrock": (dict(learning_rate=1.5), 4000),
                  "xor": (dict(learning_rate=0.5), 500)},
        fast=[({"learning_rate": 0.1, "lr_decay": 0.01, "weight_decay": 0.01,
                "initial_accumulator_value": 0.1}, ["step", "tanh"], "relu", "squared_error",
               "real", 13, "sum", {})]),
    "rmsprop": Row(
        torch=[
            (dict(learning_rate=0.01), "RMSprop", dict(lr=0.01)),
            (dict(learning_rate=0.01, rho=0.9, eps=1e-6, centered=True, weight_decay=0.05),
             "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, centered=True, weight_decay=0.05)),
            (dict(learning_rate=0.005, momentum=0.9, weight_decay=0.01),
             "RMSprop", dict(lr=0.005, momentum=0.9, weight_decay=0.01)),
            (dict(learning_rate=0.005, momentum=0.5, centered=True),
             "RMSprop", dict(lr=0.005, momentum=0.5, centered=True)),
        ],
        one_step=_each(rmsprop_step, momentum=[0.0, 0.7], centered=[False, True]),
        contract={"parabola": (dict(learning_rate=0.01), 1000),
                  "rosenbrock": (dict(learning_rate=1e-3, momentum=0.9), 2000),
                  "xor": (dict(learning_rate=0.01), 1500)},
        fast=[
            ({"learning_rate": 0.01}, ["tanh"], "sigmoid", "cross_entropy", "binary", 1, "mean",
             {"clip": 0.5}),
            ({"learning_rate": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.01},
             ["relu"], "identity", "squared_error", "real", 5, "mean", {"sw": True}),
        ]),
    "adam": Row(
        torch=[
            (dict(learning_rate=0.05), "Adam", dict(lr=0.05)),
            (dict(learning_rate=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.05, amsgrad=True),
             "Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True)),
        ],
        one_step=_each(adam_step, name=["adam"], amsgrad=[False, True]),
        contract={"parabola": (dict(learning_rate=0.1), 500),
                  "rosenbrock": (dict(learning_rate=0.05), 3000),
                  "xor": (dict(learning_rate=0.05), 500)},
        fast=[
            ({"learning_rate": 0.01}, ["tanh"], "sigmoid", "binary_cross_entropy", "binary", 4,
             "mean", {"rates": True}),
            ({"learning_rate": 0.01, "amsgrad": True, "weight_decay": 0.01}, ["sigmoid", "relu"],
             "softmax", "squared_error", "real", 1, "sum", {}),
        ]),
    "adamw": Row(
        torch=[
            (dict(learning_rate=0.05), "AdamW", dict(lr=0.05)),
            (dict(learning_rate=0.05, weight_decay=0.1, amsgrad=True, beta2=0.99),
             "AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True, betas=(0.9, 0.99))),
        ],
        one_step=_each(adam_step, name=["adamw"], amsgrad=[False]),
        contract={"parabola": (dict(learning_rate=0.1, **NO_DECAY), 500),
                  "rosenbrock": (dict(learning_rate=0.02, **NO_DECAY), 4000),
                  "xor": (dict(learning_rate=0.05), 500)},
        fast=[({"learning_rate": 0.01}, ["relu"], "softmax", "cross_entropy", "classes", 5, "sum",
               {"sw": True, "wd": 1e-3})]),
    "adamax": Row(
        torch=[
            (dict(learning_rate=0.05), "Adamax", dict(lr=0.05)),
            (dict(learning_rate=0.05, beta1=0.8, beta2=0.99, eps=1e-4, weight_decay=0.05),
             "Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.05)),
        ],
        one_step=[("planted", adamax_step)],
        contract={"parabola": (dict(learning_rate=0.1), 500),
                  "rosenbrock": (dict(learning_rate=0.05), 4000),
                  "xor": (dict(learning_rate=0.05), 1000)},
        fast=[({"learning_rate": 0.01, "weight_decay": 0.01}, ["tanh"], "identity",
               "squared_error", "real", 6, "mean", {"clip": 0.1})]),
    "nadam": Row(
        torch=[
            (dict(learning_rate=0.05), "NAdam", dict(lr=0.05)),
            (dict(learning_rate=0.05, beta1=0.85, beta2=0.99, momentum_decay=0.01, weight_decay=0.05),
             "NAdam", dict(lr=0.05, betas=(0.85, 0.99), momentum_decay=0.01, weight_decay=0.05)),
        ],
        one_step=[("planted", nadam_step)],
        contract={"parabola": (dict(learning_rate=0.1), 500),
                  "rosenbrock": (dict(learning_rate=0.02), 4000),
                  "xor": (dict(learning_rate=0.05), 500)},
        fast=[({"learning_rate": 0.01, "weight_decay": 0.01}, ["sigmoid"], "softmax",
               "cross_entropy", "classes", 2, "mean", {})]),
    "rprop": Row(
        torch=[
            (dict(learning_rate=0.05), "Rprop", dict(lr=0.05)),
            (dict(learning_rate=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)),
             "Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
        ],
        one_step=[("planted", rprop_step), ("first-step", rprop_first_step)],
        contract={"parabola": (dict(learning_rate=0.1), 300),
                  "rosenbrock": (dict(learning_rate=0.01), 3000),
                  "xor": (dict(learning_rate=0.1), 500)},
        fast=[({"learning_rate": 0.01}, ["tanh"], "sigmoid", "binary_cross_entropy", "binary", 13,
               "sum", {})]),
    "quickprop": Row(
        torch="torch.optim has no quickprop (checked against FANN's formula instead)",
        one_step=[("fann", quickprop_step), ("equal-slopes", quickprop_equal_slopes)],
        contract={"parabola": (dict(learning_rate=0.1, **NO_DECAY), 300),
                  "rosenbrock": (dict(learning_rate=2e-3, **NO_DECAY), 5000),
                  "xor": (dict(learning_rate=2.0), 500)},
        fast=[({"learning_rate": 0.05}, ["sigmoid"], "sigmoid", "squared_error", "binary", 13,
               "sum", {})]),
}

# The registered optimizers the table must cover: every one that needs no oracle.
FIRST_ORDER = [n for n in optim.available() if not optim.get(n).needs_oracle]


def row(name: str) -> Row:
    """The table row of ``name``; a clear failure for an optimizer without one."""
    if name not in ROWS:
        pytest.fail(f"optimizer {name!r} has no row in tests/optim_table.py: add one")
    return ROWS[name]


def torch_cases() -> list[tuple[str, dict, str, dict]]:
    return [(n, *case) for n, r in ROWS.items() if not isinstance(r.torch, str) for case in r.torch]


def one_step_cases() -> list[tuple[str, str, object]]:
    return [(n, cid, check) for n, r in ROWS.items() for cid, check in r.one_step]


def fast_cases() -> list[tuple]:
    return [(n, *case) for n, r in ROWS.items() for case in r.fast]
