"""Fisher-preconditioned methods: the natural gradient and its Kronecker-factored form.

Both take steps -alpha (F + damping I)^-1 g where F is a Fisher matrix of the
model's predictive distribution (see :mod:`backprop.optim.oracle` for the
empirical and true Fisher).  The natural gradient is invariant to smooth
reparametrisations of the model (Amari 1998).

The step length: with ``line_search="backtracking"`` (the default) alpha is
the first of eta, eta/2, eta/4, ... (eta the learning rate) whose step
decreases E enough (Armijo, :func:`~backprop.optim.linesearch.backtracking`),
so an update never increases the loss; a full step eta = 1 is taken where it
works.  ``line_search="none"`` takes alpha = eta every time, as in the papers;
then eta must be chosen small enough for the problem.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._errors import ConfigError
from . import linesearch
from ._method import OracleMethod
from .base import State, register
from .oracle import FISHER_KINDS


def conjugate_gradient_solve(matvec: Callable[[np.ndarray], np.ndarray], b: np.ndarray,
                             tol: float = 1e-10, max_iter: int | None = None) -> tuple[np.ndarray, int]:
    """Solve A x = b for symmetric positive definite A given only ``matvec(v) = A v``.

    Hestenes & Stiefel (1952); stops when ||b - A x|| <= tol ||b|| or after
    ``max_iter`` iterations (default: the dimension).  Returns ``(x, iterations)``.
    """
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr, bb = float(r @ r), float(b @ b)
    n = max_iter or b.size
    for k in range(n):
        if rr <= tol * tol * bb:
            return x, k
        Ap = matvec(p)
        a = rr / float(p @ Ap)
        x += a * p
        r -= a * Ap
        rr_new = float(r @ r)
        p *= rr_new / rr
        p += r
        rr = rr_new
    return x, n


LINE_SEARCH = {"line_search": "backtracking", "c1": 1e-4, "max_line_search": 20}
LINE_SEARCH_RANGES = {"c1": (0.0, 1.0, True, True), "max_line_search": (1, None)}


def _take_step(method: OracleMethod, x: np.ndarray, grad: np.ndarray, state: State,
               params: np.ndarray, oracle) -> None:
    """step = -alpha x, alpha = eta or found by backtracking on E (see the module docstring)."""
    step, eta = state["step"], state["learning_rate"]
    if method.line_search == "none":
        np.multiply(x, -eta, out=step)
        state["alpha"], state["line_search_evals"] = float(eta), 0
        return
    d = -x
    res = linesearch.backtracking(oracle, params, d, method._loss_at(state, params, oracle), grad,
                                  float(eta), method.c1, 0.5, int(method.max_line_search))
    np.multiply(d, res.alpha, out=step)
    state["alpha"], state["line_search_evals"] = res.alpha, res.n_evals
    method._remember(state, params, step, res.f)


@register
class NaturalGradient(OracleMethod):
    """Natural gradient descent (Amari 1998).

        step = -alpha (F + damping I)^-1 g,   alpha = eta or backtracked from eta

    F is the empirical Fisher sum_i p_i grad l_i grad l_i^T from per-sample
    gradients (``fisher="empirical"``) or the true Fisher (``"true"``; the
    Gauss-Newton matrix for canonical loss/output pairs).  ``solver="exact"``
    builds F densely and calls ``np.linalg.solve``; ``"cg"`` runs conjugate
    gradients with Fisher-vector products (never forming F); ``"auto"`` is
    exact for P <= ``exact_max_params`` and CG above.  alpha: see the module docstring.
    State: ``solver`` (the one used), ``cg_iterations``, ``alpha``, ``line_search_evals``.
    """

    name = "natural_gradient"
    defaults = {"learning_rate": 1.0, "damping": 1e-3, "fisher": "empirical", "solver": "auto",
                "exact_max_params": 1000, "cg_tol": 1e-10, "cg_max_iter": 0, **LINE_SEARCH}
    ranges = {"learning_rate": (0.0, None, True), "damping": (0.0, None, True),
              "exact_max_params": (0, None), "cg_tol": (0.0, 1.0, True), "cg_max_iter": (0, None),
              **LINE_SEARCH_RANGES}
    choices = {"fisher": FISHER_KINDS, "solver": ("auto", "exact", "cg"),
               "line_search": ("backtracking", "none")}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, solver="", cg_iterations=0, alpha=0.0, line_search_evals=0)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        lam = self.damping
        exact = self.solver == "exact" or (self.solver == "auto" and params.size <= self.exact_max_params)
        if exact:
            F = oracle.fisher_matrix(params, self.fisher)
            F[np.diag_indices_from(F)] += lam
            x, iters = np.linalg.solve(F, grad), 0
        else:
            x, iters = conjugate_gradient_solve(
                lambda v: oracle.fisher_vector_product(params, v, self.fisher) + lam * v,
                grad, self.cg_tol, int(self.cg_max_iter) or None)
        _take_step(self, x, grad, state, params, oracle)
        state["solver"] = "exact" if exact else "cg"
        state["cg_iterations"] = iters
        return state["step"], state


@register
class KFAC(OracleMethod):
    """Kronecker-factored approximate curvature (Martens & Grosse 2015).

    Per layer l, with a = (y_l-1, 1) the layer's input and d = dl/du_l the
    per-sample deltas, the Fisher block of [W_l | b_l] is approximated by
    G kron A with A = E[a a^T] and G = sum_i p_i d_i d_i^T, so

        [dW | db] = -alpha (G + sqrt(damping)/pi I)^-1 [gW | gb] (A + pi sqrt(damping) I)^-1

    with the factored Tikhonov damping pi = sqrt((tr A / dim A) / (tr G / dim G)),
    alpha = eta or backtracked from eta (see the module docstring).
    Needs a :class:`NetworkOracle` (the factors are per layer).
    State: ``factors`` (the latest ``(A, G)`` per layer), ``alpha``, ``line_search_evals``.
    """

    name = "kfac"
    defaults = {"learning_rate": 1.0, "damping": 1e-3, **LINE_SEARCH}
    ranges = {"learning_rate": (0.0, None, True), "damping": (0.0, None, True), **LINE_SEARCH_RANGES}
    choices = {"line_search": ("backtracking", "none")}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, factors=[], alpha=0.0, line_search_evals=0)

    def update(self, grad, state, params, oracle=None):
        self._begin(grad, state, params, oracle)
        if not hasattr(oracle, "kfac_factors"):
            raise ConfigError(f"kfac needs a NetworkOracle (its curvature factors are per layer), "
                              f"got {type(oracle).__name__}; use 'natural_gradient' for plain functions")
        net, x = oracle.network, np.empty_like(params)
        state["factors"] = factors = oracle.kfac_factors(params)
        root = np.sqrt(self.damping)
        for (A, G), (gW, gb), (sW, sb) in zip(factors, net.unflatten(grad), net.unflatten(x)):
            pi = np.sqrt((np.trace(A) / len(A)) / max(np.trace(G) / len(G), 1e-300))
            D = np.hstack([gW, gb[:, None]])
            X = np.linalg.solve(G + (root / pi) * np.eye(len(G)), D)
            X = np.linalg.solve(A + (root * pi) * np.eye(len(A)), X.T).T
            sW[...] = X[:, :-1]
            sb[...] = X[:, -1]
        _take_step(self, x, grad, state, params, oracle)
        return state["step"], state
