"""A synthetic stand-in for the Pima Indians Diabetes data, from aggregate statistics only.

Generator (per class c, a Gaussian copula): draw ``z ~ N(0, R)`` with ``R`` the
published correlation matrix of the complete rows; map each coordinate to its
class-c marginal -- ``x = m + s z`` for glucose, blood pressure, skin fold and
BMI; a shifted log-normal ``x = a + exp(mu + sigma z)`` with the published mean
and SD for the skewed pregnancies, insulin, pedigree and age; redraw rows
outside the published ranges; round to the original resolution; finally set
the published fraction of each missing-as-zero column to 0 (skin-fold zeros
are nested inside insulin zeros, as in the original).  No individual record
is involved.  See Nelsen, *An Introduction to Copulas* (2006), ch. 2.
"""

from __future__ import annotations

import functools

import numpy as np

from ._base import Dataset
from .pima import PIMA_CLASSES, PIMA_FEATURES, PIMA_N_ROWS

__all__ = ["make_synthetic_pima", "PIMA_STATS", "PIMA_CORRELATION", "PIMA_CLASS_COUNTS"]

PIMA_CLASS_COUNTS = (500, 268)
#: Per class (0, 1): rows of (mean, sample SD, min, max, fraction of zeros = missing), over
#: non-missing values, in the order of PIMA_FEATURES.
PIMA_STATS = np.array([
    [[3.30, 3.02, 0, 13, 0], [110.6, 24.8, 44, 197, .006], [70.9, 12.2, 24, 122, .038],
     [27.2, 10.0, 7, 60, .278], [130.3, 102.5, 15, 744, .472], [30.9, 6.6, 18.2, 57.3, .018],
     [.430, .299, .078, 2.329, 0], [31.2, 11.7, 21, 81, 0]],
    [[4.87, 3.74, 0, 17, 0], [142.3, 29.6, 78, 199, .007], [75.3, 12.3, 30, 114, .060],
     [33.0, 10.3, 7, 99, .328], [206.8, 132.7, 14, 846, .515], [35.4, 6.6, 22.9, 67.1, .007],
     [.550, .372, .088, 2.420, 0], [37.1, 11.0, 21, 70, 0]],
])
#: Pearson correlations on the rows with nothing missing.
PIMA_CORRELATION = np.array([
    [1.00, 0.20, 0.21, 0.09, 0.08, -0.03, 0.01, 0.68],
    [0.20, 1.00, 0.21, 0.20, 0.58, 0.21, 0.14, 0.34],
    [0.21, 0.21, 1.00, 0.23, 0.10, 0.30, -0.02, 0.30],
    [0.09, 0.20, 0.23, 1.00, 0.18, 0.66, 0.16, 0.17],
    [0.08, 0.58, 0.10, 0.18, 1.00, 0.23, 0.14, 0.22],
    [-0.03, 0.21, 0.30, 0.66, 0.23, 1.00, 0.16, 0.07],
    [0.01, 0.14, -0.02, 0.16, 0.14, 0.16, 1.00, 0.09],
    [0.68, 0.34, 0.30, 0.17, 0.22, 0.07, 0.09, 1.00],
])
LOG_SCALE = np.array([True, False, False, False, True, False, True, True])
DECIMALS = np.array([0, 0, 0, 0, 0, 1, 3, 0])
SKIN, INSULIN = PIMA_FEATURES.index("skin_thickness"), PIMA_FEATURES.index("insulin")


def _draw(mean, sd, lo, hi, n, rng):
    """n rows from the copula with marginal parameters (mean, sd), inside [lo, hi], rounded."""
    L = np.linalg.cholesky(PIMA_CORRELATION)
    step = 10.0 ** -DECIMALS
    shift = lo - step / 2                     # log-normal part starts half a step below the minimum
    m = np.maximum(mean - shift, 1e-3)
    sigma = np.sqrt(np.log1p((sd / m) ** 2))  # moments of a log-normal with mean m, SD sd
    mu = np.log(m) - sigma ** 2 / 2
    rows = np.empty((0, len(mean)))
    while len(rows) < n:
        z = rng.standard_normal((2 * n, len(mean))) @ L.T
        x = np.where(LOG_SCALE, shift + np.exp(mu + sigma * z), mean + sd * z)
        x = np.round(x / step) * step
        rows = np.vstack([rows, x[np.all((x >= lo - 1e-9) & (x <= hi + 1e-9), axis=1)]])
    return rows[:n]


@functools.lru_cache(maxsize=2)
def _calibrated(c: int) -> tuple[np.ndarray, np.ndarray]:
    """Class c's marginal parameters whose range-restricted, rounded draws have the published
    mean and SD (a few fixed-point steps on 20000 draws with a fixed seed)."""
    mean, sd, lo, hi, _ = PIMA_STATS[c].T
    m, s = mean.copy(), sd.copy()
    rng = np.random.default_rng(20240)
    for _ in range(6):
        x = _draw(m, s, lo, hi, 20000, rng)
        m = m + (mean - x.mean(axis=0))
        s = s * sd / x.std(axis=0, ddof=1)
    m.flags.writeable = s.flags.writeable = False
    return m, s


def _class_rows(c: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n rows of class c: calibrated copula draw, then zeros for "missing"."""
    _, _, lo, hi, zero = PIMA_STATS[c].T
    rows = _draw(*_calibrated(c), lo, hi, n, rng)
    order = rng.permutation(n)                # skin zeros nested inside insulin zeros
    for j, k in enumerate(np.round(zero * n).astype(int)):
        if k:
            idx = order[:k] if j in (SKIN, INSULIN) else rng.choice(n, k, replace=False)
            rows[idx, j] = 0.0
    return np.round(rows, 3)


def make_synthetic_pima(n: int = PIMA_N_ROWS, random_state: int | None = 0) -> Dataset:
    """A SYNTHETIC stand-in for the Pima Indians Diabetes data (never the real rows).

    Parameters
    ----------
    n : rows; the classes keep the original 500 : 268 proportion (exactly at n = 768).
    random_state : seed.

    Returns
    -------
    Dataset
        ``synthetic=True``; layout as :func:`load_pima`, zeros meaning missing in the
        same columns.  Results on it must never be reported as results on the real data.
    """
    from .._errors import check_range
    check_range("n", n, 2)
    n = int(n)
    rng = np.random.default_rng(random_state)
    n1 = int(round(n * PIMA_CLASS_COUNTS[1] / sum(PIMA_CLASS_COUNTS)))
    counts = (n - n1, n1)
    X = np.vstack([_class_rows(c, counts[c], rng) for c in (0, 1)])
    y = np.repeat(np.array([0, 1], dtype=np.int64), counts)
    perm = rng.permutation(n)
    return Dataset(X[perm], y[perm], list(PIMA_FEATURES), list(PIMA_CLASSES),
                   "SYNTHETIC stand-in for the Pima Indians Diabetes data, generated from published "
                   "aggregate statistics (class-conditional Gaussian copula); not the real data.",
                   synthetic=True, name="pima-synthetic")
