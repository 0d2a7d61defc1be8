"""The demonstration driver (the "human" ALVINN watched): pure pursuit plus noise.

Pure pursuit steers along the circular arc through a target point T = (x_T, y_T)
in the vehicle frame (Coulter 1992, "Implementation of the Pure Pursuit Path
Tracking Algorithm", CMU-RI-TR-92-01):

    kappa* = 2 y_T / (x_T^2 + y_T^2)

with T the centreline point ``lookahead`` metres (10 m) ahead along the road.
Human imperfection is an AR(1) curvature noise n <- rho n + N(0, sd^2)
(rho = 0.95, sd = 0.003 1/m); the executed curvature
kappa_d = clip(kappa* + n, -kappa_max, kappa_max) is the recorded label.
"""

from __future__ import annotations

import numpy as np

from .road import Road
from .vehicle import to_vehicle_frame

__all__ = ["pure_pursuit", "arc_curvature", "Demonstrator"]


def arc_curvature(target: np.ndarray) -> np.ndarray:
    """Curvature 2 y / (x^2 + y^2) of the arc from the origin, heading +x, through ``target`` (..., 2)."""
    x, y = target[..., 0], target[..., 1]
    return 2.0 * y / (x * x + y * y)


def pure_pursuit(road: Road, pose: np.ndarray, s: float, lookahead: float = 10.0) -> float:
    """Pure-pursuit curvature from ``pose`` (at arc length ``s``) to the centreline ``lookahead`` m ahead."""
    target = road.pose_at(s + lookahead)[:2]
    return float(arc_curvature(to_vehicle_frame(pose, target)))


class Demonstrator:
    """Pure pursuit with AR(1) steering noise, the teacher of on-the-fly training.

    Parameters
    ----------
    lookahead : float
        Pure-pursuit look-ahead L_d, metres.
    noise_sd : float
        SD of the AR(1) innovation, 1/m (0 for a perfect driver).
    rho : float
        AR(1) coefficient.
    kappa_max : float
        Steering limit, 1/m.
    random_state : int, Generator or None
        Seed of the noise.
    """

    def __init__(self, lookahead: float = 10.0, noise_sd: float = 0.003, rho: float = 0.95,
                 kappa_max: float = 1 / 20, random_state: int | np.random.Generator | None = None):
        self.lookahead, self.noise_sd, self.rho, self.kappa_max = lookahead, noise_sd, rho, kappa_max
        self.rng = np.random.default_rng(random_state)
        self.noise = 0.0

    def __call__(self, road: Road, pose: np.ndarray, s: float) -> float:
        """The executed (recorded) curvature kappa_d at this pose."""
        if self.noise_sd > 0:
            self.noise = self.rho * self.noise + self.rng.normal(0.0, self.noise_sd)
        k = pure_pursuit(road, pose, s, self.lookahead) + self.noise
        return float(np.clip(k, -self.kappa_max, self.kappa_max))
