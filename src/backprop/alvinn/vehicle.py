"""A kinematic vehicle at constant speed, steered by path curvature.

State is the pose (x, y, psi) in the world frame.  One step of dt seconds at
speed v with executed curvature kappa (1/m, positive = left, |kappa| <= kappa_max):

    x += v cos(psi) dt,   y += v sin(psi) dt,   psi += v kappa dt

(ALVINN's 10 Hz at 10 m/s: one metre per frame).  With ``lag`` tau > 0 the
executed curvature follows the command through a first-order lag,
kappa += (dt / tau) (kappa_cmd - kappa), which makes the task harder.
"""

from __future__ import annotations

import numpy as np

from .._errors import check_range

__all__ = ["Vehicle", "to_vehicle_frame"]


class Vehicle:
    """Kinematic point vehicle.

    Parameters
    ----------
    speed : float
        Constant speed v, m/s.
    dt : float
        Time step, s.
    kappa_max : float
        Largest curvature the steering can execute, 1/m (1/20 by default).
    lag : float
        Steering time constant tau in seconds (0: the command is executed at once).
    """

    def __init__(self, speed: float = 10.0, dt: float = 0.1, kappa_max: float = 1 / 20,
                 lag: float = 0.0):
        check_range("speed", speed, 0.0, None, low_open=True)
        check_range("dt", dt, 0.0, None, low_open=True)
        check_range("kappa_max", kappa_max, 0.0, None, low_open=True)
        check_range("lag", lag, 0.0, None)
        self.speed, self.dt, self.kappa_max, self.lag = float(speed), float(dt), float(kappa_max), float(lag)
        self.kappa = 0.0

    @property
    def step_length(self) -> float:
        """Distance travelled per step, v dt."""
        return self.speed * self.dt

    def reset(self) -> None:
        """Forget the steering state (after an intervention)."""
        self.kappa = 0.0

    def step(self, pose: np.ndarray, kappa_cmd: float) -> np.ndarray:
        """The pose one time step later; returns a new array."""
        cmd = float(np.clip(kappa_cmd, -self.kappa_max, self.kappa_max))
        if self.lag > 0:
            self.kappa += min(1.0, self.dt / self.lag) * (cmd - self.kappa)
        else:
            self.kappa = cmd
        x, y, psi = pose
        d = self.step_length
        return np.array([x + d * np.cos(psi), y + d * np.sin(psi), psi + d * self.kappa])


def to_vehicle_frame(pose: np.ndarray, points: np.ndarray) -> np.ndarray:
    """World points (..., 2) expressed in the frame of ``pose`` (x forward, y left)."""
    x, y, psi = pose
    dx, dy = points[..., 0] - x, points[..., 1] - y
    c, s = np.cos(psi), np.sin(psi)
    return np.stack([c * dx + s * dy, -s * dx + c * dy], axis=-1)
