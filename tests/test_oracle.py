"""Oracle products against finite differences and per-sample loops through Network.loss_and_grad."""

from __future__ import annotations

import numpy as np
import pytest

from backprop import ConfigError, Network
from backprop.optim.oracle import FunctionOracle, NetworkOracle

# (layer sizes, activation, output activation, loss): canonical and non-canonical pairs.
CASES = [
    ((3, 4, 2), "tanh", "identity", "squared_error"),
    ((3, 4, 2), "sigmoid", "sigmoid", "squared_error"),
    ((3, 4, 3, 2), "tanh", "sigmoid", "binary_cross_entropy"),
    ((3, 4, 3), "sigmoid", "softmax", "cross_entropy"),
    ((3, 4, 3), "tanh", "softmax", "binary_cross_entropy"),
    ((3, 4, 2), "relu", "sigmoid", "cross_entropy"),
    ((3, 5, 3), "tanh", "softmax", "squared_error"),
]


def _problem(case, n=6, seed=0, **kw):
    sizes, act, out, loss = case
    rng = np.random.default_rng(seed)
    net = Network(sizes, act, output_activation=out, random_state=seed)
    net.params[...] = rng.normal(0, 0.7, net.n_params)
    X = rng.normal(size=(n, sizes[0]))
    k = sizes[-1]
    if loss == "squared_error":
        T = rng.normal(size=(n, k))
    elif out == "softmax" and loss == "cross_entropy":
        T = np.eye(k)[rng.integers(0, k, n)]
    else:
        T = rng.uniform(0.05, 0.95, (n, k))
    return net, X, T, NetworkOracle(net, X, T, loss=loss, **kw)


def _fd(f, x, eps=1e-6):
    """Central differences of a vector-valued f: columns d f / d x_j."""
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def _sample_grads(net, X, T, loss):
    """grad l_i for every sample, each from its own Network.loss_and_grad call."""
    return np.stack([net.loss_and_grad(X[i:i + 1], T[i:i + 1], loss, "sum")[1].copy()
                     for i in range(len(X))])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[3]}")
def test_hvp_matches_finite_differences_of_gradients(case, rng):
    net, X, T, oracle = _problem(case, weight_decay=0.1)
    theta = net.params.copy()
    H_fd = _fd(oracle.gradient, theta)
    H_fd = 0.5 * (H_fd + H_fd.T)
    for _ in range(3):
        v = rng.normal(size=theta.size)
        np.testing.assert_allclose(oracle.hessian_vector_product(theta, v), H_fd @ v,
                                   rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_jacobian_matches_finite_differences_and_residuals_give_loss(reduction, rng):
    net, X, T, oracle = _problem(CASES[1], reduction=reduction, weight_decay=0.05,
                                 sample_weight=rng.uniform(0.5, 2, 6))
    theta = net.params.copy()
    r = oracle.residuals(theta)
    assert np.isclose(0.5 * r @ r, oracle.loss(theta))
    np.testing.assert_allclose(oracle.jacobian(theta), _fd(oracle.residuals, theta),
                               rtol=1e-6, atol=1e-8)
    # Gauss-Newton product for squared error is J^T J v
    v = rng.normal(size=theta.size)
    J = oracle.jacobian(theta)
    np.testing.assert_allclose(oracle.gauss_newton_vector_product(theta, v), J.T @ (J @ v),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[3]}")
def test_per_sample_grads_sum_to_batch_gradient(case, rng):
    w = rng.uniform(0.2, 3.0, 6)
    net, X, T, oracle = _problem(case, sample_weight=w, weight_decay=0.3)
    theta = net.params.copy()
    rows = oracle.per_sample_grads(theta)
    g = oracle.gradient(theta)
    np.testing.assert_allclose(rows.sum(axis=0) + 0.3 * oracle.weight_decay_mask * theta, g,
                               rtol=1e-10, atol=1e-12)
    # each row is p_i grad l_i from a one-sample backward pass
    np.testing.assert_allclose(rows, _sample_grads(net, X, T, case[3]) * (w / w.sum())[:, None],
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[3]}")
def test_empirical_fisher_vector_product_matches_dense(case, rng):
    net, X, T, oracle = _problem(case, reduction="mean")
    theta = net.params.copy()
    G = _sample_grads(net, X, T, case[3])
    F = G.T @ G / len(X)                      # sum_i p_i grad l_i grad l_i^T, p_i = 1/n
    v = rng.normal(size=theta.size)
    np.testing.assert_allclose(oracle.fisher_vector_product(theta, v), F @ v, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(oracle.fisher_matrix(theta), F, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES[:5], ids=lambda c: f"{c[2]}-{c[3]}")
def test_true_fisher_and_gauss_newton_match_output_jacobians(case, rng):
    net, X, T, oracle = _problem(case, reduction="sum")
    theta = net.params.copy()
    sizes, _, out, loss = case

    def outputs(th, which):
        net.params[...] = th
        us, ys = net.forward_trace(X)
        return (us if which == "s" else ys)[-1]

    Js = _fd(lambda th: outputs(th, "s"), theta)      # (n, k, P)
    Jz = _fd(lambda th: outputs(th, "z"), theta)
    net.params[...] = theta
    z = outputs(theta, "z")
    G = np.zeros((theta.size, theta.size))
    F = np.zeros_like(G)
    for i in range(len(X)):
        if out == {"squared_error": "identity", "binary_cross_entropy": "sigmoid",
                   "cross_entropy": "softmax"}[loss]:
            Hs = np.diag(z[i]) - np.outer(z[i], z[i]) if out == "softmax" else np.diag(
                z[i] * (1 - z[i]) if out == "sigmoid" else np.ones_like(z[i]))
            G += Js[i].T @ Hs @ Js[i]
            F += Js[i].T @ Hs @ Js[i]
        else:
            t = T[i]
            M = {"squared_error": np.ones_like(t),
                 "binary_cross_entropy": t / z[i] ** 2 + (1 - t) / (1 - z[i]) ** 2}[loss]
            Mf = {"squared_error": np.ones_like(t),
                  "binary_cross_entropy": 1 / (z[i] * (1 - z[i]))}[loss]
            G += Jz[i].T @ np.diag(M) @ Jz[i]
            F += Jz[i].T @ np.diag(Mf) @ Jz[i]
    v = rng.normal(size=theta.size)
    np.testing.assert_allclose(oracle.gauss_newton_vector_product(theta, v), G @ v, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(oracle.fisher_vector_product(theta, v, "true"), F @ v,
                               rtol=1e-6, atol=1e-8)


def test_kfac_factors_equal_dense_computation(rng):
    w = rng.uniform(0.5, 2.0, 7)
    net, X, T, oracle = _problem(CASES[2], n=7, sample_weight=w, reduction="mean")
    theta = net.params.copy()
    p = w / w.sum()
    rows = oracle.per_sample_grads(theta) / p[:, None]        # grad l_i
    us, ys = net.forward_trace(X)
    inputs = [X, *ys[:-1]]
    at = 0
    for (A, G), n_in, n_out, a_prev in zip(oracle.kfac_factors(theta), net.layer_sizes[:-1],
                                           net.layer_sizes[1:], inputs):
        d = rows[:, at + n_in * n_out:at + n_in * n_out + n_out]  # bias gradient = delta_i
        A_dense = sum(p[i] * np.outer(np.r_[a_prev[i], 1], np.r_[a_prev[i], 1]) for i in range(7))
        G_dense = sum(p[i] * np.outer(d[i], d[i]) for i in range(7))
        np.testing.assert_allclose(A, A_dense, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(G, G_dense, rtol=1e-10, atol=1e-14)
        # with a single sample, G kron A is exactly that layer's Fisher block
        at += n_in * n_out + n_out


def test_kfac_single_sample_is_exact_fisher_block():
    net, X, T, oracle = _problem(CASES[0], n=1)
    theta = net.params.copy()
    F = oracle.fisher_matrix(theta)
    (A, G), _ = oracle.kfac_factors(theta)
    # layer 1 in [W | b] row-major order: permute params W (4x3), b (4) into (4 x 4) blocks
    idx = np.array([[j * 3 + k if k < 3 else 12 + j for k in range(4)] for j in range(4)]).ravel()
    np.testing.assert_allclose(np.kron(G, A), F[np.ix_(idx, idx)], rtol=1e-10, atol=1e-14)


def test_oracle_never_touches_caller_params(rng):
    net, X, T, oracle = _problem(CASES[1])
    before = net.params.copy()
    theta = rng.normal(size=net.n_params)
    for f in (oracle.loss, oracle.gradient, oracle.jacobian, oracle.per_sample_grads):
        f(theta)
    oracle.hessian_vector_product(theta, theta)
    np.testing.assert_array_equal(net.params, before)
    assert oracle.loss(before) == pytest.approx(net.loss(X, T, reduction="mean"))


def test_function_oracle_least_squares_products(rng):
    A, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    o = FunctionOracle(lambda x: 0.5 * np.sum((A @ x - b) ** 2), lambda x: A.T @ (A @ x - b),
                       hvp=lambda x, v: A.T @ (A @ v), residuals=lambda x: A @ x - b,
                       jacobian=lambda x: A)
    x, v = rng.normal(size=3), rng.normal(size=3)
    r = A @ x - b
    np.testing.assert_allclose(o.per_sample_grads(x).sum(axis=0), o.gradient(x))
    np.testing.assert_allclose(o.fisher_vector_product(x, v), (A.T * r**2) @ A @ v)
    np.testing.assert_allclose(o.fisher_vector_product(x, v, "true"), o.hessian_vector_product(x, v))


def test_oracle_errors_name_the_problem():
    net, X, T, oracle = _problem(CASES[3])
    with pytest.raises(ConfigError, match="residuals needs loss 'squared_error'.*got 'cross_entropy'"):
        oracle.residuals(net.params)
    with pytest.raises(ConfigError, match="unknown Fisher kind 'exact'; valid choices: empirical, true"):
        oracle.fisher_vector_product(net.params, net.params, "exact")
    with pytest.raises(ConfigError, match=r"weight_decay=-1 is out of range; valid range: \[0, inf\)"):
        NetworkOracle(net, X, T, loss="cross_entropy", weight_decay=-1)
    with pytest.raises(ConfigError, match="no Hessian-vector product; pass hvp="):
        FunctionOracle(np.sum, np.ones_like).hessian_vector_product(np.ones(2), np.ones(2))
