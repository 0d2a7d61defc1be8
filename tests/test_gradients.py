"""Backpropagation's gradient against finite differences and PyTorch autograd."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop import Network

HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
PAIRS = ([("squared_error", o) for o in ["sigmoid", "tanh", "relu", "identity", "softmax"]]
         + [("binary_cross_entropy", o) for o in ["sigmoid", "softmax"]]
         + [("cross_entropy", o) for o in ["softmax", "sigmoid"]])


def make_problem(seed: int, sizes, hidden, out, loss, n=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    net = Network(sizes, activation=hidden, output_activation=out, init="glorot_uniform",
                  random_state=seed, dtype=dtype)
    net.params[...] = rng.normal(0, 0.8, net.n_params)
    X = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        T = rng.dirichlet(np.ones(sizes[-1]), size=n) if sizes[-1] > 1 else np.ones((n, 1))
    else:
        T = rng.uniform(0, 1, size=(n, sizes[-1]))
    return net, X, T


def central_differences(net, X, T, loss, reduction, eps=1e-6, sample_weight=None):
    probe = net.copy()
    g = np.empty(net.n_params)
    for i in range(net.n_params):
        probe.params[i] = net.params[i] + eps
        up = probe.loss(X, T, loss, reduction, sample_weight)
        probe.params[i] = net.params[i] - eps
        down = probe.loss(X, T, loss, reduction, sample_weight)
        probe.params[i] = net.params[i]
        g[i] = (up - down) / (2 * eps)
    return g


def far_from_kinks(net, X):
    """No ReLU pre-activation within reach of a finite-difference step."""
    us, _ = net.forward_trace(X)
    return all(np.min(np.abs(u)) > 1e-3 for u, a in zip(us, net.activations) if a == "relu")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1),
       widths=st.lists(st.integers(1, 5), min_size=0, max_size=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 3),
       hidden=st.sampled_from(HIDDEN), pair=st.sampled_from(PAIRS),
       reduction=st.sampled_from(["sum", "mean"]), weighted=st.booleans())
def test_gradient_matches_finite_differences(seed, widths, n_in, n_out, hidden, pair, reduction,
                                             weighted):
    loss, out = pair
    if out == "softmax" and n_out == 1:
        n_out = 2
    net, X, T = make_problem(seed, [n_in, *widths, n_out], hidden, out, loss)
    assume(far_from_kinks(net, X))
    if loss != "squared_error":  # near saturation dE/dz = (z - t)/(z(1 - z)) is too curved for FD
        z = net.forward(X)
        assume(np.all((z > 1e-3) & (z < 1 - 1e-3)))
    w = np.random.default_rng(seed).uniform(0.1, 2, len(X)) if weighted else None
    E, g = net.loss_and_grad(X, T, loss=loss, reduction=reduction, sample_weight=w)
    fd = central_differences(net, X, T, loss, reduction, sample_weight=w)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)
    assert np.isclose(E, net.loss(X, T, loss, reduction, w))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), hidden=st.sampled_from(HIDDEN), pair=st.sampled_from(PAIRS))
def test_float32_gradient_tracks_float64(seed, hidden, pair):
    loss, out = pair
    net64, X, T = make_problem(seed, [3, 4, 3, 2], hidden, out, loss)
    X, T = X.astype(np.float32), T.astype(np.float32)
    net32 = Network([3, 4, 3, 2], activation=hidden, output_activation=out, dtype=np.float32)
    net32.params[...] = net64.params
    net64.params[...] = net32.params  # the same (rounded) weights in both
    assume(far_from_kinks(net64, X))
    if out in ("sigmoid", "softmax"):  # float32 cannot resolve 1 - z near saturation
        z = net64.forward(X)
        assume(np.all((z > 1e-3) & (z < 1 - 1e-3)))
    E32, g32 = net32.loss_and_grad(X, T, loss=loss)
    E64, g64 = net64.loss_and_grad(X, T, loss=loss)
    assert g32.dtype == np.float32 and net32.forward(X).dtype == np.float32
    assert np.linalg.norm(g32 - g64) <= 1e-4 * max(1.0, np.linalg.norm(g64))
    assert abs(E32 - E64) <= 1e-5 * max(1.0, abs(E64))


# --- PyTorch autograd: 200+ random networks over every activation/loss pair ----------------
CASES = [(seed, hidden, loss, out, red)
         for seed, (hidden, (loss, out), red) in enumerate(
             itertools.islice(itertools.cycle(itertools.product(HIDDEN, PAIRS, ["sum", "mean"])), 216))]


@pytest.mark.parametrize("seed,hidden,loss,out,reduction", CASES)
def test_gradient_matches_torch_autograd(seed, hidden, loss, out, reduction):
    from reference import torch_loss_and_grad
    rng = np.random.default_rng(seed)
    depth = rng.integers(1, 4)
    sizes = [int(rng.integers(1, 6))] + [int(rng.integers(1, 7)) for _ in range(depth)]
    sizes.append(int(rng.integers(2 if out == "softmax" else 1, 5)))
    net, X, T = make_problem(seed, sizes, hidden, out, loss, n=int(rng.integers(1, 9)))
    w = rng.uniform(0.1, 2, len(X)) if seed % 3 == 0 else None
    E, g = net.loss_and_grad(X, T, loss=loss, reduction=reduction, sample_weight=w)
    E_t, g_t = torch_loss_and_grad(net, X, T, loss, reduction, w)
    assert abs(E - E_t) <= 1e-10 * max(1.0, abs(E_t))
    assert np.linalg.norm(g - g_t) <= 1e-10 * max(1e-300, np.linalg.norm(g_t)) or np.array_equal(g, g_t)


def test_canonical_losses_are_stable_at_saturation():
    """sigmoid+BCE and softmax+CE never take log(0): huge logits give finite E and delta z - t."""
    for loss, out, k in [("binary_cross_entropy", "sigmoid", 1), ("cross_entropy", "softmax", 3)]:
        net = Network([1, k], activation=out, init="zeros")
        net.params[0] = 1000.0  # s_1 = 1000 x
        X = np.array([[1.0], [-1.0]])
        T = np.zeros((2, k))
        T[:, -1] = 1.0
        E, g = net.loss_and_grad(X, T, loss=loss)
        assert np.isfinite(E) and np.all(np.isfinite(g))
        assert E > 100  # confidently wrong costs about 1000 per wrong pattern, not inf


def test_step_activation_has_zero_gradient_everywhere(rng):
    net = Network([2, 3, 1], activation="step", random_state=1)
    for _ in range(20):
        net.params[...] = rng.normal(size=net.n_params)
        _, g = net.loss_and_grad(rng.normal(size=(4, 2)), rng.uniform(size=4))
        assert np.all(g == 0)
