"""Road geometry for the ALVINN simulation: a centreline built from a curvature profile.

Units are metres and radians; the world frame has x east and y north.  The
centreline is sampled every ``ds`` metres from a curvature profile kappa(s)
(1/m, positive = left turn) that repeats

    straight U[40, 120] m -> clothoid ramp 20 m -> arc U[30, 90] m at +-kappa_0 -> ramp 20 m

with kappa_0 ~ U[1/80, 1/25] and a random sign (the ``gentle`` family of
:class:`RoadSpec`; other families change these ranges, the lane width, and
add lane changes).  Heading and position are the integrals
psi(s) = int kappa ds, x = int cos psi ds, y = int sin psi ds (trapezoid rule).
The road is one lane, 4 m wide by default (ALVINN's one-lane roads); the
*lateral offset* of a point is its signed distance from the centreline,
positive to the left.

A *lane change* is the curvature wave kappa(s) = k sin(2 pi s / L) over
L metres: the heading returns to its start and the lane ends up shifted
sideways by w = k L^2 / (2 pi), so k = 2 pi w / L^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ConfigError, check_range

__all__ = ["Road", "RoadSpec", "make_road", "training_road", "test_road", "TEST_COURSES",
           "lane_change_profile"]

TEST_COURSES = (7, 8, 9)
"""Seeds of the held-out courses (1.5 km each); training courses use seeds 100 + k."""


class Road:
    """A centreline sampled every ``ds`` metres.

    Parameters
    ----------
    kappa : array of shape (n,)
        Curvature at each sample, 1/m (positive = left).
    ds : float
        Spacing of the samples in metres.
    half_width : float
        Half the lane width (the road edge), metres.
    """

    def __init__(self, kappa: np.ndarray, ds: float = 0.5, half_width: float = 2.0):
        kappa = np.asarray(kappa, dtype=float)
        if kappa.ndim != 1 or kappa.size < 4:
            raise ConfigError("a road needs a 1-D curvature profile of at least 4 samples")
        self.kappa, self.ds, self.half_width = kappa, float(ds), float(half_width)
        n = kappa.size
        self.s = np.arange(n) * self.ds
        self.psi = np.concatenate([[0.0], np.cumsum(0.5 * (kappa[1:] + kappa[:-1]) * self.ds)])
        c, si = np.cos(self.psi), np.sin(self.psi)
        self.x = np.concatenate([[0.0], np.cumsum(0.5 * (c[1:] + c[:-1]) * self.ds)])
        self.y = np.concatenate([[0.0], np.cumsum(0.5 * (si[1:] + si[:-1]) * self.ds)])

    @property
    def length(self) -> float:
        """Length of the centreline in metres."""
        return float(self.s[-1])

    def mirrored(self) -> "Road":
        """The same road reflected across the world x axis (every curvature negated)."""
        return Road(-self.kappa, self.ds, self.half_width)

    def pose_at(self, s: float | np.ndarray) -> np.ndarray:
        """Centreline pose ``(x, y, psi)`` at arc length ``s`` (linear interpolation)."""
        s = np.clip(s, 0.0, self.length)
        return np.stack([np.interp(s, self.s, self.x), np.interp(s, self.s, self.y),
                         np.interp(s, self.s, self.psi)], axis=-1)

    def locate(self, x: float, y: float, s_hint: float | None = None,
               search: float = 25.0) -> tuple[float, float]:
        """Arc length and signed lateral offset (left positive) of the point (x, y).

        Searches the samples within ``search`` metres of ``s_hint`` (all of
        them when no hint is given) for the nearest, then projects onto its
        tangent: s = s_i + (p - c_i).t_i, e = (p - c_i).n_i.
        """
        if s_hint is None:
            lo, hi = 0, self.s.size
        else:
            i0 = int(round(s_hint / self.ds))
            w = int(search / self.ds)
            lo, hi = max(0, i0 - w), min(self.s.size, i0 + w + 1)
        dx, dy = x - self.x[lo:hi], y - self.y[lo:hi]
        i = lo + int(np.argmin(dx * dx + dy * dy))
        dx, dy = x - self.x[i], y - self.y[i]
        c, si = np.cos(self.psi[i]), np.sin(self.psi[i])
        return float(self.s[i] + dx * c + dy * si), float(-dx * si + dy * c)

    def window(self, s: float, behind: float = 10.0, ahead: float = 150.0,
               spacing: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
        """Centreline vertices every ``spacing`` m from s - behind to s + ahead, and their left normals.

        Returns ``(V, N)``, both of shape ``(m, 2)``: what the camera uses to
        look up the lateral distance of a ground point.
        """
        step = max(1, int(round(spacing / self.ds)))
        i0 = int(round(s / self.ds))
        lo = max(0, i0 - int(behind / self.ds))
        hi = min(self.s.size, i0 + int(ahead / self.ds) + 1)
        idx = np.arange(lo, hi, step)
        V = np.stack([self.x[idx], self.y[idx]], axis=1)
        N = np.stack([-np.sin(self.psi[idx]), np.cos(self.psi[idx])], axis=1)
        return V, N


@dataclass(frozen=True)
class RoadSpec:
    """How the random roads of one family are drawn (lengths in m, curvatures in 1/m).

    Each cycle of the profile is: a straight of U[*straight] m, then (when
    ``lane_change`` > 0) a lane change moving the lane ``lane_change`` m
    sideways (random side) over ``lane_change_length`` m, then a clothoid ramp
    of ``ramp`` m to +-1/U[*radius], an arc of U[*arc] m and a ramp back to 0.
    The defaults are the gentle roads of the research note (R1.2).
    """

    straight: tuple[float, float] = (40.0, 120.0)
    ramp: float = 20.0
    radius: tuple[float, float] = (25.0, 80.0)
    arc: tuple[float, float] = (30.0, 90.0)
    lane_width: float = 4.0
    lane_change: float = 0.0
    lane_change_length: float = 30.0

    def __post_init__(self) -> None:
        for name in ("straight", "radius", "arc"):
            lo, hi = getattr(self, name)
            check_range(f"{name} low end", lo, 0.0, hi)
        check_range("radius low end", self.radius[0], 0.0, None, low_open=True)
        check_range("ramp", self.ramp, 0.0, None, low_open=True)
        check_range("lane_width", self.lane_width, 0.5, None)
        check_range("lane_change", self.lane_change, 0.0, None)
        check_range("lane_change_length", self.lane_change_length, 1.0, None)


def lane_change_profile(width: float, length: float, ds: float = 0.5) -> np.ndarray:
    """Curvature k sin(2 pi s / L), k = 2 pi w / L^2: the lane moves ``width`` m sideways (left if > 0)."""
    n = max(2, int(round(length / ds)))
    s = (np.arange(n) + 0.5) * (length / n)
    return 2 * np.pi * width / length ** 2 * np.sin(2 * np.pi * s / length)


def curvature_profile(rng: np.random.Generator, length: float, ds: float = 0.5,
                      spec: RoadSpec = RoadSpec()) -> np.ndarray:
    """A curvature profile of at least ``length`` metres: straight, (lane change), ramp, arc, ramp, repeated."""
    pieces: list[np.ndarray] = []
    total = 0
    n_needed = int(np.ceil(length / ds)) + 1
    while total < n_needed:
        n_straight = int(rng.uniform(*spec.straight) / ds)
        k0 = rng.choice([-1.0, 1.0]) / rng.uniform(*spec.radius)
        n_ramp, n_arc = int(spec.ramp / ds), int(rng.uniform(*spec.arc) / ds)
        up = np.linspace(0.0, k0, n_ramp, endpoint=False)
        change = np.zeros(0)
        if spec.lane_change > 0:                  # drawn last: gentle roads keep their draws
            change = lane_change_profile(rng.choice([-1.0, 1.0]) * spec.lane_change,
                                         spec.lane_change_length, ds)
        for piece in (np.zeros(n_straight), change, up, np.full(n_arc, k0), up[::-1]):
            pieces.append(piece)
            total += piece.size
    return np.concatenate(pieces)[:n_needed]


def make_road(seed: int, length: float, ds: float = 0.5, spec: RoadSpec = RoadSpec()) -> Road:
    """The road fixed by ``seed`` and ``spec``: a random curvature profile of ``length`` metres."""
    check_range("road length", length, 10.0, None)
    return Road(curvature_profile(np.random.default_rng(seed), length, ds, spec), ds, spec.lane_width / 2)


def training_road(k: int, length: float) -> Road:
    """Training course ``k`` (seed 100 + k); never one of the test courses."""
    return make_road(100 + int(k), length)


def test_road(seed: int, length: float = 1500.0, margin: float = 200.0,
              spec: RoadSpec = RoadSpec()) -> Road:
    """Held-out course ``seed`` (7, 8 or 9 by convention): ``length`` metres plus a look-ahead margin."""
    return make_road(int(seed), length + margin, spec=spec)


test_road.__test__ = False  # not a pytest test
