"""Every registered activation and loss carries the derivatives its consumers need, and they are right.

The records are the single source of derivatives: the network's backward
pass (g'), the curvature products (g'' through h(z), d^2 E/dz^2, the Fisher
term), the compiled kernels and the exporters all read them.  A new entry
without one of these fails here, by name, instead of being given a silent
default somewhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop import activations, losses
from backprop.export import _plan as export_plan

ACTS = activations.available()
LOSSES = losses.available()
S = np.linspace(-2.5, 2.5, 11).reshape(1, -1) + 0.013     # avoid the kinks at 0


def _fd(f, s, eps=1e-6):
    return (f(s + eps) - f(s - eps)) / (2 * eps)


@pytest.mark.parametrize("name", ACTS)
def test_activation_derivatives_are_stated_and_right(name):
    act = activations.get(name)
    z = act(S)
    if not act.elementwise:           # coupled units: Jacobian products, checked on random rows
        rng = np.random.default_rng(0)
        s, a, ru, ra = (rng.normal(size=(3, 4)) for _ in range(4))
        z = act(s)
        J = _fd(lambda e: act(s + e * ru), 0.0)             # d z / d r along ru
        np.testing.assert_allclose(act.jvp(z, ru), J, rtol=1e-7, atol=1e-9)
        vjp = act.backward(z, a, np.empty_like(a))
        np.testing.assert_allclose(np.sum(vjp * ru), np.sum(a * J), rtol=1e-7)
        R = _fd(lambda e: act.backward(act(s + e * ru), a + e * ra, np.empty_like(a)), 0.0)
        np.testing.assert_allclose(act.r_backward(z, act.jvp(z, ru), a, ra), R, rtol=1e-6, atol=1e-8)
        return
    assert callable(act.deriv), f"{name}: element-wise activations need deriv(z)"
    assert callable(act.curvature) or act.curvature == 0.0, (
        f"{name}: state the curvature h(z) (g'' = h(z) g'), or 0.0 for a piecewise-linear g")
    gprime = act.deriv(z)
    np.testing.assert_allclose(gprime, _fd(act, S), rtol=1e-6, atol=1e-9)
    g2 = _fd(lambda s: act.deriv(act(s)), S)
    h = act.curvature(z) if callable(act.curvature) else 0.0
    np.testing.assert_allclose(h * gprime, g2, rtol=1e-5, atol=1e-8)
    out = np.empty_like(z)
    np.testing.assert_array_equal(act.backward(z, np.ones_like(z), out), gprime)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_derivatives_are_stated_and_right(name):
    lossf = losses.get(name)
    rng = np.random.default_rng(1)
    z = rng.uniform(0.1, 0.9, (5, 3))
    z /= z.sum(axis=1, keepdims=True) if name == "cross_entropy" else 1.0
    t = rng.uniform(0.0, 1.0, (5, 3))
    t /= t.sum(axis=1, keepdims=True) if name == "cross_entropy" else 1.0   # a distribution
    for field in ("value", "dz", "value_from_s", "curvature", "fisher"):
        assert callable(getattr(lossf, field)), f"{name}: missing {field}"
    dz = _fd(lambda e: lossf.value(z + e * np.eye(3)[None, 0], t), 0.0)
    np.testing.assert_allclose(lossf.dz(z, t)[:, 0], dz, rtol=1e-6)
    d2 = _fd(lambda e: lossf.dz(z + e * np.eye(3)[None, 1], t)[:, 1], 0.0)
    np.testing.assert_allclose(lossf.curvature(z, t)[:, 1], d2, rtol=1e-5)
    assert np.all(lossf.fisher(z, t) > 0)
    canonical = activations.get(lossf.canonical)
    s = rng.normal(size=(5, 3))
    zs = canonical(s)
    np.testing.assert_allclose(lossf.per_sample(canonical, s, zs, t), lossf.value(zs, t), rtol=1e-10)
    np.testing.assert_allclose(lossf.delta(canonical, zs, t, np.empty_like(s)),
                               canonical.backward(zs, lossf.dz(zs, t), np.empty_like(s)),
                               rtol=1e-9, atol=1e-12)


def test_exporters_offer_every_registered_activation():
    assert set(export_plan.ACTIVATIONS) == set(ACTS)


def test_compiled_layers_know_every_registered_activation_and_loss():
    """The kernels switch on a code per activation and loss (fast/codes.py): none may be missing."""
    from backprop.fast import codes
    assert set(ACTS) <= set(codes.ACTIVATIONS), set(ACTS) - set(codes.ACTIVATIONS)
    assert set(LOSSES) <= set(codes.LOSSES), set(LOSSES) - set(codes.LOSSES)
