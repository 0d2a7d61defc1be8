"""Oracles: what a method that needs more than one gradient may ask about E(theta).

An oracle evaluates the objective at any theta without touching the
caller's parameters.  Every oracle has ``loss``, ``loss_and_grad`` and, as
far as it can, curvature information:

    hessian_vector_product(theta, v)        H v
    gauss_newton_vector_product(theta, v)   G v = J^T M J v   (M: loss curvature at the output)
    fisher_vector_product(theta, v, kind)   F v, "empirical" or "true" Fisher
    residuals(theta), jacobian(theta)       r and dr/dtheta with E = 1/2 ||r||^2
    per_sample_grads(theta)                 rows g_i with sum_i g_i = grad E

The empirical Fisher is F = sum_i p_i grad l_i grad l_i^T over per-sample
losses l_i with the weights p_i of E = sum_i p_i l_i (p_i = 1 for
``reduction="sum"``, 1/n for ``"mean"``, normalised ``sample_weight``).  The
true Fisher takes the expectation over the model's own output distribution
instead of the targets; for the canonical pairs (identity + squared error,
sigmoid + binary cross-entropy, softmax + cross-entropy) it equals the
Gauss-Newton matrix (Martens 2020, "New insights and perspectives on the
natural gradient method").
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._errors import ConfigError, DataError, check_range
from .._netcheck import loss_for
from . import curvature as cv

__all__ = ["FunctionOracle", "NetworkOracle"]

FISHER_KINDS = ("empirical", "true")
Array = np.ndarray


class _Oracle:
    """Shared dense helpers: build a matrix column by column from a product."""

    counts: dict[str, int]

    def gradient(self, theta: Array) -> Array:
        return self.loss_and_grad(theta)[1]

    def hessian_matrix(self, theta: Array) -> Array:
        """Dense H, one Hessian-vector product per column (small problems, teaching)."""
        return _columns(lambda v: self.hessian_vector_product(theta, v), theta)

    def fisher_matrix(self, theta: Array, kind: str = "empirical") -> Array:
        """Dense Fisher: empirical from per-sample gradients, true from products."""
        _check_kind(kind)
        if kind == "empirical":
            rows, p = self._unweighted_rows(theta)
            return (rows * p[:, None]).T @ rows
        return _columns(lambda v: self.fisher_vector_product(theta, v, kind), theta)

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1


class FunctionOracle(_Oracle):
    """An oracle for a plain function of a vector (parabola, Rosenbrock, least squares).

    Parameters
    ----------
    fun, grad : callable
        E(theta) and its gradient.
    hvp : callable, optional
        ``hvp(theta, v) -> H v``.
    residuals, jacobian : callable, optional
        r(theta) and dr/dtheta (shape ``(m, P)``) with E = 1/2 ||r||^2; they
        give Levenberg-Marquardt its Jacobian, Gauss-Newton products (the
        "true" Fisher of a unit-variance Gaussian model, J^T J) and per-sample
        gradients r_i grad r_i (each residual a "sample" l_i = r_i^2 / 2).
    """

    def __init__(self, fun: Callable[[Array], float], grad: Callable[[Array], Array],
                 hvp: Callable[[Array, Array], Array] | None = None,
                 residuals: Callable[[Array], Array] | None = None,
                 jacobian: Callable[[Array], Array] | None = None):
        self._fun, self._grad, self._hvp = fun, grad, hvp
        self._res, self._jac = residuals, jacobian
        self.counts: dict[str, int] = {}

    def loss(self, theta: Array) -> float:
        self._count("loss")
        return float(self._fun(theta))

    def loss_and_grad(self, theta: Array) -> tuple[float, Array]:
        self._count("grad")
        return float(self._fun(theta)), np.asarray(self._grad(theta), dtype=float)

    def hessian_vector_product(self, theta: Array, v: Array) -> Array:
        if self._hvp is None:
            raise ConfigError("this FunctionOracle has no Hessian-vector product; pass hvp=")
        self._count("hvp")
        return np.asarray(self._hvp(theta, v), dtype=float)

    def residuals(self, theta: Array) -> Array:
        if self._res is None:
            raise ConfigError("this FunctionOracle has no residuals; pass residuals= and jacobian= "
                              "for least-squares methods")
        self._count("residuals")
        return np.asarray(self._res(theta), dtype=float).ravel()

    def jacobian(self, theta: Array) -> Array:
        if self._jac is None:
            raise ConfigError("this FunctionOracle has no jacobian; pass residuals= and jacobian= "
                              "for least-squares methods")
        self._count("jacobian")
        return np.atleast_2d(np.asarray(self._jac(theta), dtype=float))

    def per_sample_grads(self, theta: Array) -> Array:
        rows, _ = self._unweighted_rows(theta)
        return rows

    def _unweighted_rows(self, theta):
        r, J = self.residuals(theta), self.jacobian(theta)
        return r[:, None] * J, np.ones(r.size)

    def gauss_newton_vector_product(self, theta: Array, v: Array) -> Array:
        J = self.jacobian(theta)
        return J.T @ (J @ v)

    def fisher_vector_product(self, theta: Array, v: Array, kind: str = "empirical") -> Array:
        """Empirical: sum_i r_i^2 grad r_i grad r_i^T v; true: J^T J v (Gaussian residuals)."""
        _check_kind(kind)
        if kind == "true":
            return self.gauss_newton_vector_product(theta, v)
        rows = self.per_sample_grads(theta)
        return rows.T @ (rows @ v)


class NetworkOracle(_Oracle):
    """The error of a network on a fixed data set, as a function of any theta.

    ``E(theta) = sum_i p_i l(z_i, t_i) + weight_decay / 2 * ||w||^2`` where the
    penalty runs over the weights only (biases masked out, as
    ``weight_decay_mask`` shows) and p_i comes from ``reduction`` and
    ``sample_weight`` exactly as in :meth:`backprop.Network.loss`.  Evaluations
    run on a private copy of ``net``; the caller's ``net.params`` are never
    written.  Products and derivatives come from backprop (see
    :mod:`backprop.optim.curvature`), never from finite differences.
    """

    def __init__(self, net, X: Array, T: Array, loss: str = "squared_error",
                 reduction: str = "mean", sample_weight: Array | None = None,
                 weight_decay: float = 0.0):
        self._lossf = loss_for(loss, reduction, net.layers[-1].activation)
        self.loss_name, self.reduction = self._lossf.name, reduction
        self.weight_decay = float(check_range("weight_decay", weight_decay, 0.0))
        self._net = net.copy()
        self.X = self._net._check_X(X)
        self.T = self._net._check_T(T, self.X.shape[0])
        scale = self._net._sample_scale(sample_weight, self.X.shape[0], reduction)
        self.p = np.ones(self.X.shape[0], net.dtype) if scale is None else scale
        self._sample_weight = sample_weight
        self.weight_decay_mask = self._net.weight_mask
        self.counts = {}

    @property
    def n_params(self) -> int:
        return self._net.n_params

    @property
    def network(self):
        """The private scratch network (its params hold the last theta evaluated)."""
        return self._net

    def _set(self, theta: Array) -> None:
        theta = np.asarray(theta)
        if theta.shape != (self._net.n_params,):
            raise DataError(f"theta must have shape ({self._net.n_params},), got {theta.shape}")
        self._net.params[...] = theta

    def _trace(self, theta: Array) -> list[Array]:
        self._set(theta)
        return [self.X, *self._net.forward_trace(self.X)[1]]

    def _penalty(self, theta: Array) -> float:
        w = theta * self.weight_decay_mask
        return 0.5 * self.weight_decay * float(w @ w) if self.weight_decay else 0.0

    def loss(self, theta: Array) -> float:
        self._count("loss")
        self._set(theta)
        E = self._net.loss(self.X, self.T, self.loss_name, self.reduction, self._sample_weight)
        return E + self._penalty(theta)

    def loss_and_grad(self, theta: Array) -> tuple[float, Array]:
        self._count("grad")
        self._set(theta)
        E, g = self._net.loss_and_grad(self.X, self.T, self.loss_name, self.reduction,
                                       self._sample_weight, out=np.empty_like(self._net.params))
        if self.weight_decay:
            g += self.weight_decay * self.weight_decay_mask * theta
        return E + self._penalty(theta), g

    # --- per-sample quantities -------------------------------------------
    def _unweighted_rows(self, theta: Array) -> tuple[Array, Array]:
        ys = self._trace(theta)
        delta = cv.output_delta(self._net, self._lossf, ys[-1], self.T)
        return cv.per_sample_backprop(self._net, ys, delta), self.p

    def per_sample_grads(self, theta: Array) -> Array:
        """Rows p_i grad l_i, shape (n, P): they sum to the data term's gradient.

        The weight-decay gradient is not per sample and is not included.
        """
        self._count("per_sample_grads")
        rows, p = self._unweighted_rows(theta)
        return rows * p[:, None]

    def _need_squared_error(self, what: str) -> None:
        if self.loss_name != "squared_error":
            raise ConfigError(f"{what} needs loss 'squared_error' (E = 1/2 ||r||^2), "
                              f"got {self.loss_name!r}")

    def residuals(self, theta: Array) -> Array:
        """r with E = 1/2 ||r||^2: sqrt(p_i) (z_i - t_i) row by row, then sqrt(lambda) w.

        The weight entries appear only when ``weight_decay > 0``.
        """
        self._need_squared_error("residuals")
        self._count("residuals")
        self._set(theta)
        r = (np.sqrt(self.p)[:, None] * (self._net.forward(self.X) - self.T)).ravel()
        if self.weight_decay:
            r = np.concatenate([r, np.sqrt(self.weight_decay) * theta[self.weight_decay_mask > 0]])
        return r

    def jacobian(self, theta: Array) -> Array:
        """dr/dtheta, shape (len(r), P), by one backward pass per output unit."""
        self._need_squared_error("jacobian")
        self._count("jacobian")
        ys = self._trace(theta)
        n, k = self.T.shape
        J = np.empty((n, k, self.n_params), self._net.dtype)
        for unit in range(k):
            J[:, unit] = cv.output_jacobian_rows(self._net, ys, unit)
        J = (J * np.sqrt(self.p)[:, None, None]).reshape(n * k, -1)
        if self.weight_decay:
            J = np.vstack([J, np.sqrt(self.weight_decay) * np.eye(self.n_params)[self.weight_decay_mask > 0]])
        return J

    # --- curvature products ----------------------------------------------
    def _decay(self, v: Array) -> Array | float:
        return self.weight_decay * self.weight_decay_mask * v if self.weight_decay else 0.0

    def hessian_vector_product(self, theta: Array, v: Array) -> Array:
        """H v, exact, by Pearlmutter's R-operator (one forward, one backward R-pass)."""
        self._count("hvp")
        ys = self._trace(theta)
        return cv.hessian_vector(self._net, self._lossf, ys, self.T, self.p, v) + self._decay(v)

    def gauss_newton_vector_product(self, theta: Array, v: Array) -> Array:
        """G v = J^T M J v (+ lambda mask v): positive semi-definite part of H."""
        self._count("gnvp")
        ys = self._trace(theta)
        return cv.curvature_vector(self._net, self._lossf, ys, self.T, self.p, v,
                                   "gauss_newton") + self._decay(v)

    def fisher_vector_product(self, theta: Array, v: Array, kind: str = "empirical") -> Array:
        """F v of the data term (no weight decay): ``"empirical"`` or ``"true"`` Fisher."""
        _check_kind(kind)
        self._count("fvp")
        ys = self._trace(theta)
        if kind == "true":
            return cv.curvature_vector(self._net, self._lossf, ys, self.T, self.p, v, "fisher")
        delta = cv.output_delta(self._net, self._lossf, ys[-1], self.T)
        return cv.empirical_fisher_vector(self._net, ys, delta, self.p, v)

    def kfac_factors(self, theta: Array) -> list[tuple[Array, Array]]:
        """Per layer ``(A, G)``; see :func:`backprop.optim.curvature.kfac_factors`."""
        ys = self._trace(theta)
        delta = cv.output_delta(self._net, self._lossf, ys[-1], self.T)
        return cv.kfac_factors(self._net, ys, delta, self.p)


def _check_kind(kind: str) -> None:
    if kind not in FISHER_KINDS:
        raise ConfigError(f"unknown Fisher kind {kind!r}; valid choices: {', '.join(FISHER_KINDS)}")


def _columns(product: Callable[[Array], Array], theta: Array) -> Array:
    P = np.asarray(theta).size
    eye = np.eye(P)
    return np.column_stack([product(eye[:, j]) for j in range(P)])


def require_oracle(name: str, oracle: Any) -> None:
    """Raise the library's message when an oracle method is called without one."""
    if oracle is None:
        raise ConfigError(f"optimizer {name!r} needs an oracle: call update(grad, state, params, "
                          f"oracle=NetworkOracle(net, X, T)) on the full batch")
