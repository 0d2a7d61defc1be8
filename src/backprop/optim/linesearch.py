"""Line searches along a descent direction d: phi(alpha) = E(theta + alpha d).

``strong_wolfe`` finds alpha with (Nocedal & Wright 2006, eqs. 3.7, Alg. 3.5/3.6)

    sufficient decrease   phi(alpha) <= phi(0) + c1 alpha phi'(0)
    curvature             |phi'(alpha)| <= c2 |phi'(0)|          (0 < c1 < c2 < 1)

by bracketing (Alg. 3.5: grow alpha until the interval must contain such a
point) and zooming (Alg. 3.6: cubic interpolation of phi and phi' at the
interval's ends, safeguarded by bisection).  ``exact_quadratic`` is the
exact minimiser alpha = -g.d / d.H d, exact for a quadratic E.
``backtracking`` (N&W Alg. 3.1) tries alpha0, alpha0 rho, alpha0 rho^2, ...
until sufficient decrease holds; it needs E only, no gradients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LineSearchResult", "strong_wolfe", "exact_quadratic", "backtracking"]


@dataclass
class LineSearchResult:
    """The step length found, E and grad E there, the evaluations used, and success."""

    alpha: float
    f: float
    g: np.ndarray | None
    n_evals: int
    success: bool


def strong_wolfe(oracle, x: np.ndarray, d: np.ndarray, f0: float, g0: np.ndarray,
                 alpha0: float = 1.0, c1: float = 1e-4, c2: float = 0.9,
                 max_evals: int = 20, alpha_max: float = 1e10) -> LineSearchResult:
    """A step length satisfying the strong Wolfe conditions (N&W Alg. 3.5 with 3.6).

    ``d`` must be a descent direction (g0.d < 0).  On failure (``max_evals``
    exhausted) the best point with sufficient decrease found so far is
    returned with ``success=False``; alpha = 0 if there is none.
    """
    dphi0 = float(g0 @ d)
    n = 0

    def phi(a: float) -> tuple[float, np.ndarray, float]:
        nonlocal n
        n += 1
        f, g = oracle.loss_and_grad(x + a * d)
        return f, g, float(g @ d)

    lo = (0.0, f0, dphi0, g0)                        # alpha, phi, phi', grad
    a = float(alpha0)
    while n < max_evals:
        f, g, dphi = phi(a)
        if not math.isfinite(f) or f > f0 + c1 * a * dphi0 or (n > 1 and f >= lo[1]):
            return _zoom(phi, lo, (a, f, dphi, g), f0, dphi0, c1, c2, max_evals, lambda: n)
        if abs(dphi) <= -c2 * dphi0:
            return LineSearchResult(a, f, g, n, True)
        if dphi >= 0:
            return _zoom(phi, (a, f, dphi, g), lo, f0, dphi0, c1, c2, max_evals, lambda: n)
        lo = (a, f, dphi, g)
        a = min(2.0 * a, alpha_max)
    return LineSearchResult(lo[0], lo[1], lo[3], n, False)


def _zoom(phi, lo, hi, f0, dphi0, c1, c2, max_evals, used) -> LineSearchResult:
    """N&W Alg. 3.6: shrink [lo, hi] (lo has the lower phi and sufficient decrease)."""
    while used() < max_evals:
        a = _cubic_min(lo, hi)
        f, g, dphi = phi(a)
        if not math.isfinite(f) or f > f0 + c1 * a * dphi0 or f >= lo[1]:
            hi = (a, f, dphi, g)
        else:
            if abs(dphi) <= -c2 * dphi0:
                return LineSearchResult(a, f, g, used(), True)
            if dphi * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = (a, f, dphi, g)
        if abs(hi[0] - lo[0]) <= 1e-14 * max(1.0, abs(lo[0])):
            break
    return LineSearchResult(lo[0], lo[1], lo[3] if lo[0] > 0 else None, used(), False)


def _cubic_min(lo, hi) -> float:
    """Minimiser of the cubic through (a, phi, phi') at both ends (N&W eq. 3.59),
    kept inside the middle 80% of the interval (else bisection)."""
    a0, f0, d0, _ = lo
    a1, f1, d1, _ = hi
    left, right = min(a0, a1), max(a0, a1)
    width = right - left
    if math.isfinite(f1) and math.isfinite(d1) and a0 != a1:
        e1 = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1)
        disc = e1 * e1 - d0 * d1
        if disc >= 0:
            e2 = math.copysign(math.sqrt(disc), a1 - a0)
            denom = d1 - d0 + 2.0 * e2
            if denom != 0:
                a = a1 - (a1 - a0) * (d1 + e2 - e1) / denom
                if left + 0.1 * width <= a <= right - 0.1 * width:
                    return a
    return 0.5 * (a0 + a1)


def backtracking(oracle, x: np.ndarray, d: np.ndarray, f0: float, g0: np.ndarray,
                 alpha0: float = 1.0, c1: float = 1e-4, rho: float = 0.5,
                 max_evals: int = 20) -> LineSearchResult:
    """The first alpha = alpha0 rho^i with phi(alpha) <= phi(0) + c1 alpha phi'(0) (N&W Alg. 3.1).

    ``d`` must be a descent direction (g0.d < 0).  After ``max_evals`` failed trials
    it returns alpha = 0 (no step) with ``success=False``.
    """
    dphi0 = float(g0 @ d)
    a = float(alpha0)
    for n in range(1, max_evals + 1):
        f = oracle.loss(x + a * d)
        if math.isfinite(f) and f <= f0 + c1 * a * dphi0:
            return LineSearchResult(a, f, None, n, True)
        a *= rho
    return LineSearchResult(0.0, f0, None, max_evals, False)


def exact_quadratic(oracle, x: np.ndarray, d: np.ndarray, g0: np.ndarray) -> LineSearchResult:
    """alpha = -g.d / d.(H d): the exact minimiser along d when E is quadratic.

    Uses one Hessian-vector product; fails (alpha = 0) if d.H d <= 0.
    """
    curv = float(d @ oracle.hessian_vector_product(x, d))
    if curv <= 0:
        return LineSearchResult(0.0, math.nan, None, 1, False)
    alpha = -float(g0 @ d) / curv
    return LineSearchResult(alpha, math.nan, None, 1, True)
