"""Steering as a hill of activity over N output units, and back.

N units span kappa in [-kappa_max, kappa_max] evenly: unit 0 is the sharpest
right turn (kappa < 0), the middle is straight ahead, unit N - 1 the sharpest
left (ALVINN numbered them the other way round).  In unit spacings kappa sits at

    p(kappa) = (kappa + kappa_max) / (2 kappa_max) (N - 1).

Targets (``hump``):

- ``"gaussian"`` (ALVINN 1990s, Pomerleau 1991): t_i = exp(-(i - p)^2 / sigma2), sigma2 = 10;
- ``"hill"`` (ALVINN 1988): the 9 values 0.10 0.32 0.61 0.89 1.00 0.89 0.61 0.32 0.10
  centred on p; for a real-valued p the hills at floor(p) and floor(p) + 1 are
  mixed linearly (the paper centred it on the nearest unit).

Decoders:

- ``"argmax"`` (1988): the most active unit;
- ``"center_of_mass"`` (default; Pomerleau 1991/1993): the centre of mass
  c = sum_i i o_i / sum_i o_i over a window around the most active unit,
  negatives clipped to 0.  A window cut asymmetrically around a Gaussian is
  biased towards the window's centre, so for the Gaussian hump the position is
  the p whose perfect hump has centre of mass c in the same window, found by
  Newton's method (dc/dp = 2 Var / sigma2 > 0): exact on perfect humps.  For
  the hill a window of +-5 holds both mixed hills and c = p exactly;
- ``"gaussian_fit"`` (Nechyba's notebook): least squares fit of A g(i - p),
  amplitude A free, sigma fixed: maximise (o . g_p)^2 / (g_p . g_p) over a
  grid of p, refined by a parabola through the best three grid points.
"""

from __future__ import annotations

import numpy as np

from .._errors import check_choice, check_range

__all__ = ["SteeringCode", "HUMPS", "DECODERS", "HILL_1988"]

HUMPS = ("gaussian", "hill")
DECODERS = ("center_of_mass", "argmax", "gaussian_fit")
HILL_1988 = np.array([0.10, 0.32, 0.61, 0.89, 1.00, 0.89, 0.61, 0.32, 0.10])


class SteeringCode:
    """Encode curvatures as target vectors and decode network outputs back.

    Parameters
    ----------
    n_units : int
        Output units N (30 for ALVINN 1990s, 45 for 1988).
    kappa_max : float
        Curvature of the outermost units, 1/m.
    hump : {"gaussian", "hill"}
        Target shape.
    sigma2 : float
        Gaussian width sigma^2 in squared unit spacings.
    decoder : {"center_of_mass", "argmax", "gaussian_fit"}
        How outputs become a curvature.
    window : int
        Half-width of the centre-of-mass window in units (4; 5 for the hill).
    """

    def __init__(self, n_units: int = 30, kappa_max: float = 1 / 20, hump: str = "gaussian",
                 sigma2: float = 10.0, decoder: str = "center_of_mass", window: int | None = None):
        check_range("n_units", n_units, 3, None)
        check_range("kappa_max", kappa_max, 0.0, None, low_open=True)
        check_range("sigma2", sigma2, 0.0, None, low_open=True)
        check_choice("hump", hump, HUMPS)
        check_choice("decoder", decoder, DECODERS)
        self.n_units, self.kappa_max, self.hump = int(n_units), float(kappa_max), hump
        self.sigma2, self.decoder = float(sigma2), decoder
        self.window = int(window if window is not None else (5 if hump == "hill" else 4))
        self.units = np.arange(self.n_units, dtype=float)

    @property
    def spacing(self) -> float:
        """Curvature between neighbouring units, 1/m."""
        return 2 * self.kappa_max / (self.n_units - 1)

    def position(self, kappa: np.ndarray) -> np.ndarray:
        """Unit position p(kappa) (clipped to the range of the units)."""
        k = np.clip(np.asarray(kappa, dtype=float), -self.kappa_max, self.kappa_max)
        return (k + self.kappa_max) / self.spacing

    def curvature(self, p: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`position`."""
        return np.asarray(p, dtype=float) * self.spacing - self.kappa_max

    def profile(self, p: np.ndarray) -> np.ndarray:
        """Hump centred at positions ``p`` (shape (n,)): an (n, N) array."""
        p = np.atleast_1d(np.asarray(p, dtype=float))
        d = self.units[None, :] - p[:, None]
        if self.hump == "gaussian":
            return np.exp(-d * d / self.sigma2)
        lo = np.floor(p)[:, None]
        frac = p[:, None] - lo
        return (1 - frac) * _hill(self.units - lo) + frac * _hill(self.units - lo - 1)

    def encode(self, kappa: np.ndarray) -> np.ndarray:
        """Target vectors, shape (n, N), for curvatures of shape (n,)."""
        return self.profile(self.position(np.atleast_1d(kappa)))

    def decode(self, outputs: np.ndarray, method: str | None = None) -> np.ndarray:
        """Curvatures, shape (n,), from outputs of shape (n, N)."""
        method = method or self.decoder
        check_choice("decoder", method, DECODERS)
        O = np.atleast_2d(np.asarray(outputs, dtype=float))
        if method == "argmax":
            p = np.argmax(O, axis=1).astype(float)
        elif method == "center_of_mass":
            p = self._center_of_mass(O)
        else:
            p = self._gaussian_fit(O)
        return self.curvature(p)

    # --- decoders ---------------------------------------------------------
    def _center_of_mass(self, O: np.ndarray) -> np.ndarray:
        n, N = O.shape
        a = np.argmax(O, axis=1)
        lo, hi = np.maximum(a - self.window, 0), np.minimum(a + self.window, N - 1)
        inside = (self.units[None, :] >= lo[:, None]) & (self.units[None, :] <= hi[:, None])
        w = np.where(inside, np.maximum(O, 0.0), 0.0)
        total = w.sum(axis=1)
        c = np.where(total > 0, (w * self.units).sum(axis=1) / np.where(total > 0, total, 1), a)
        if self.hump != "gaussian":
            return c
        # Undo the truncation bias: solve m(p) = c, m(p) the window's centre of mass of exp(-(i-p)^2/s2).
        c = np.clip(c, lo + 1e-3, hi - 1e-3)
        p = c.copy()
        for _ in range(30):
            g = np.where(inside, np.exp(-(self.units - p[:, None]) ** 2 / self.sigma2), 0.0)
            g_sum = g.sum(axis=1)
            m = (g * self.units).sum(axis=1) / g_sum
            var = (g * self.units ** 2).sum(axis=1) / g_sum - m * m
            step = (c - m) / np.maximum(2 * var / self.sigma2, 1e-6)
            p = p + np.clip(step, -3.0, 3.0)
            if np.all(np.abs(step) < 1e-10):
                break
        return p

    def _gaussian_fit(self, O: np.ndarray) -> np.ndarray:
        grid = np.linspace(0.0, self.n_units - 1, 20 * (self.n_units - 1) + 1)
        G = self.profile(grid)                                   # (m, N)
        score = (O @ G.T) ** 2 / (G * G).sum(axis=1)            # best-amplitude fit quality
        score = np.where(O @ G.T > 0, score, 0.0)                # a hump, not a trough
        j = np.clip(np.argmax(score, axis=1), 1, grid.size - 2)
        rows = np.arange(O.shape[0])
        y0, y1, y2 = score[rows, j - 1], score[rows, j], score[rows, j + 1]
        denom = y0 - 2 * y1 + y2
        shift = np.where(denom < 0, 0.5 * (y0 - y2) / np.where(denom < 0, denom, -1), 0.0)
        return grid[j] + np.clip(shift, -1, 1) * (grid[1] - grid[0])


def _hill(d: np.ndarray) -> np.ndarray:
    """The 1988 hill at integer offsets d (0 outside |d| <= 4)."""
    idx = np.rint(d).astype(int) + 4
    ok = (idx >= 0) & (idx < HILL_1988.size)
    return np.where(ok, HILL_1988[np.clip(idx, 0, HILL_1988.size - 1)], 0.0)
