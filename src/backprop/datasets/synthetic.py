"""Small generated problems for plots and the playground (all ``synthetic=True``).

- :func:`make_circles`: two concentric noisy circles, not linearly separable.
- :func:`make_spirals`: the two-spirals benchmark of Lang & Witbrock (1988).
- :func:`make_gaussian_clusters`: isotropic Gaussian blobs, one per class.
- :func:`make_curve`: 1-D regression, ``t = sin(2 pi x) + noise`` (Bishop, PRML, sec. 1.1).
"""

from __future__ import annotations

import numpy as np

from .._errors import ConfigError, DataError, check_range
from ._base import Dataset

__all__ = ["make_circles", "make_spirals", "make_gaussian_clusters", "make_blobs", "make_curve"]


def _n(name: str, n: int, low: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ConfigError(f"{name} must be an integer >= {low}, got {n!r}")
    check_range(name, n, low)
    return int(n)


def make_circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5,
                 random_state: int | None = 0) -> Dataset:
    """Points on two concentric circles (radius 1 = class 0, radius ``factor`` = class 1)
    with Gaussian noise of SD ``noise``; classes differ in size by at most one."""
    n = _n("n_samples", n_samples, 2)
    check_range("noise", noise, 0)
    check_range("factor", factor, 0, 1, low_open=True, high_open=True)
    rng = np.random.default_rng(random_state)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + noise * rng.standard_normal((n, 2))
    return Dataset(X, y.astype(np.int64), ["x1", "x2"], ["outer", "inner"],
                   f"SYNTHETIC: two concentric circles (factor {factor}, noise {noise}).",
                   synthetic=True, name="circles")


def make_spirals(n_samples: int = 194, noise: float = 0.0, random_state: int | None = 0) -> Dataset:
    """Two interlocking spirals of three turns each (Lang & Witbrock 1988).

    Point i of spiral 0 (i = 0..96 for the classic 194 points): angle i pi / 16,
    radius 6.5 (104 - i) / 104, ``(r sin a, r cos a)``; spiral 1 is its mirror
    ``-(x1, x2)``.  Other sizes spread i evenly over [0, 96]; ``noise`` adds
    Gaussian jitter.
    """
    n = _n("n_samples", n_samples, 2)
    check_range("noise", noise, 0)
    rng = np.random.default_rng(random_state)
    n0 = (n + 1) // 2
    y = np.r_[np.zeros(n0), np.ones(n - n0)].astype(np.int64)
    i = np.r_[np.linspace(0, 96, n0), np.linspace(0, 96, n - n0)]
    angle, radius = i * np.pi / 16, 6.5 * (104 - i) / 104
    sign = np.where(y == 0, 1.0, -1.0)[:, None]
    X = sign * np.c_[radius * np.sin(angle), radius * np.cos(angle)]
    X = X + noise * rng.standard_normal(X.shape)
    return Dataset(X, y, ["x1", "x2"], ["spiral 0", "spiral 1"],
                   "SYNTHETIC: two spirals (Lang & Witbrock 1988).", synthetic=True, name="spirals")


def make_gaussian_clusters(n_samples: int = 300, centers: int | np.ndarray = 3, n_features: int = 2,
                           std: float = 1.0, spread: float = 5.0,
                           random_state: int | None = 0) -> Dataset:
    """Isotropic Gaussian clusters, one class each.

    ``centers`` is a count (drawn uniformly in ``[-spread, spread]^n_features``) or an
    array of shape (k, n_features); each class gets ``n_samples / k`` points (+-1)
    from ``N(center, std^2 I)``.
    """
    n = _n("n_samples", n_samples, 1)
    check_range("std", std, 0)
    rng = np.random.default_rng(random_state)
    if np.ndim(centers) == 0:
        k = _n("centers", centers, 1)
        C = rng.uniform(-spread, spread, (k, _n("n_features", n_features, 1)))
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2:
            raise DataError(f"centers must be a count or an array of shape (k, n_features), got {C.shape}")
    y = np.arange(n) % len(C)
    X = C[y] + std * rng.standard_normal((n, C.shape[1]))
    return Dataset(X, y.astype(np.int64), [f"x{j + 1}" for j in range(C.shape[1])],
                   [str(c) for c in range(len(C))],
                   f"SYNTHETIC: {len(C)} Gaussian clusters (std {std}).", synthetic=True, name="blobs")


make_blobs = make_gaussian_clusters


def make_curve(n_samples: int = 50, noise: float = 0.1, random_state: int | None = 0) -> Dataset:
    """1-D regression: ``x`` uniform in [0, 1], ``t = sin(2 pi x) + N(0, noise^2)``, sorted by x."""
    n = _n("n_samples", n_samples, 1)
    check_range("noise", noise, 0)
    rng = np.random.default_rng(random_state)
    x = np.sort(rng.uniform(0, 1, n))
    t = np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)
    return Dataset(x[:, None], t, ["x"], [], f"SYNTHETIC: t = sin(2 pi x) + noise (SD {noise}).",
                   synthetic=True, name="curve", task="regression")
