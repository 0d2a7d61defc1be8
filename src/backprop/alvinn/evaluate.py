"""Closed-loop evaluation: the network drives a held-out course with a safety driver.

Every step the lateral offset e is recorded.  The limits follow the road's
half width w (2 m on a 4 m road): *in lane* is |e| < w - 1 (a 1.8 m car
with its wheels inside the lane), *on road* is |e| < w, and a safety driver
*intervenes* when |e| > w + ``intervention_margin`` (3 m on a 4 m road): the
car is put back on the centreline, heading along the road, and the event
counted.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .driver import pure_pursuit
from .road import Road
from .vehicle import Vehicle

__all__ = ["drive", "offset_limits"]


def offset_limits(road: Road, intervention_margin: float = 1.0) -> dict:
    """|e| limits of ``road``: ``in_lane`` (w - 1), ``on_road`` (w) and ``intervention`` (w + margin)."""
    w = road.half_width
    return {"in_lane": w - 1.0, "on_road": w, "intervention": w + intervention_margin}


def drive(driver, road: Road, config, length: float = 1500.0, record_inputs: bool = True,
          sensor: Callable[[np.ndarray], np.ndarray] | None = None) -> dict:
    """Let ``driver`` (a :class:`.simulate.Driver`) drive ``length`` metres of ``road``.

    ``config`` (an :class:`.simulate.AlvinnConfig`) gives the vehicle, the
    look-ahead and the intervention margin; ``sensor`` optionally disturbs
    each retina (:class:`.camera.SensorNoise`).  Returns ``{"metrics",
    "offsets", "path"}``.  Metrics: mean |e|, RMS, 95th percentile, max,
    mean signed e, fraction in lane and on road, interventions (and per km),
    mean |kappa_net - kappa_pure_pursuit| and, with ``record_inputs``, the
    mirror asymmetry mean |f(flip x) + f(x)| over the retinas seen.
    """
    vehicle = Vehicle(config.speed, config.dt, config.kappa_max)
    lim = offset_limits(road, config.intervention_margin)
    n_steps = int(round(length / vehicle.step_length))
    pose, s = road.pose_at(0.0), 0.0
    offsets, kappa_err, path, inputs = np.empty(n_steps), np.empty(n_steps), np.empty((n_steps, 3)), []
    interventions = 0
    for t in range(n_steps):
        kappa, x = driver.steer(road, pose, s, sensor)
        kappa_err[t] = abs(kappa - pure_pursuit(road, pose, s, config.lookahead))
        if record_inputs:
            inputs.append(x)
        pose = vehicle.step(pose, kappa)
        s, e = road.locate(pose[0], pose[1], s)
        offsets[t], path[t] = e, pose
        if abs(e) > lim["intervention"]:
            interventions += 1
            pose = road.pose_at(s)
            vehicle.reset()
    a = np.abs(offsets)
    metrics = {"mean_abs_offset": float(a.mean()), "rms_offset": float(np.sqrt(np.mean(a * a))),
               "p95_abs_offset": float(np.percentile(a, 95)), "max_abs_offset": float(a.max()),
               "mean_offset": float(offsets.mean()), "in_lane": float(np.mean(a < lim["in_lane"])),
               "on_road": float(np.mean(a < lim["on_road"])), "interventions": interventions,
               "interventions_per_km": interventions / (length / 1000.0),
               "mean_abs_kappa_error": float(kappa_err.mean())}
    if record_inputs:
        X = np.array(inputs)
        metrics["mirror_asymmetry"] = float(np.mean(np.abs(driver.curvature(driver.flip_inputs(X))
                                                           + driver.curvature(X))))
    return {"metrics": metrics, "offsets": offsets, "path": path}
