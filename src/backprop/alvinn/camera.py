"""The 30x32 camera retina, rendered by analytic ray casting onto a flat road.

A pinhole camera sits at height h above the vehicle's origin, pitched theta
down, with horizontal field of view 60 degrees, so f = (cols / 2) / tan 30deg
(about 27.7 px for 32 columns; the same f vertically).  Pixel (r, c) has the
centre u = c + 1/2 - cols/2 (rightwards), v = r + 1/2 - rows/2 (downwards) and
the ray

    d = f a + u rt + v dn,   a = (cos th, 0, -sin th), rt = (0, -1, 0), dn = (-sin th, 0, -cos th)

in the vehicle frame (x forward, y left, z up).  A ray with d_z >= 0 sees
sky; otherwise it meets the ground at t = h / (-d_z), the point (t d_x, t d_y).
That point's lateral distance from the centreline (nearest centreline vertex,
every 2 m from 10 m behind to 150 m ahead, distance along its normal) picks
the intensity: road 0.55, edge line 0.90, off-road 0.20, sky 0.85 (the
road's edge is at its ``half_width``, the 0.15 m edge lines 0.15 m inside).  Each
pixel averages ``supersample``^2 sub-pixel rays, a stand-in for ALVINN's
480x512 -> 30x32 reduction.  The geometry follows the TilerVerify renderer
(straight roads) extended to curved ones.

The network sees the per-image standardised retina (x - mean) / SD.
"""

from __future__ import annotations

import numpy as np

from .._errors import check_range
from .road import Road

__all__ = ["Camera", "RangeFinder", "SensorNoise", "standardize"]


class Camera:
    """Pinhole camera and flat-world ray caster producing ``rows x cols`` retinas.

    Parameters
    ----------
    rows, cols : int
        Retina size (30 x 32 as in ALVINN).
    height : float
        Camera height above the ground, m.
    pitch_deg : float
        Downward pitch theta, degrees.
    hfov_deg : float
        Horizontal field of view, degrees.
    supersample : int
        Sub-pixel rays per pixel along each axis (anti-aliasing).
    lines : bool
        Draw the 0.15 m edge lines 0.15 m inside the road edge (at +-1.85 m on a 4 m road).
    """

    ROAD, OFFROAD, LINE, SKY = 0.55, 0.20, 0.90, 0.85
    LINE_INSET, LINE_WIDTH = 0.15, 0.15

    def __init__(self, rows: int = 30, cols: int = 32, height: float = 2.0, pitch_deg: float = 12.0,
                 hfov_deg: float = 60.0, supersample: int = 2, lines: bool = True):
        check_range("supersample", supersample, 1, 8)
        self.rows, self.cols, self.height = int(rows), int(cols), float(height)
        self.pitch = np.deg2rad(pitch_deg)
        self.f = (cols / 2) / np.tan(np.deg2rad(hfov_deg) / 2)
        self.supersample, self.lines = int(supersample), bool(lines)
        # Sub-pixel rays: the rows of ground hits form one contiguous lower block.
        ss = self.supersample
        self._sub_v = (np.arange(rows * ss) + 0.5) / ss - rows / 2
        self._sub_u = (np.arange(cols * ss) + 0.5) / ss - cols / 2
        self._sub_ground0, self._sub_pts = self._ground_points(self._sub_u, self._sub_v)
        # Pixel-centre rays (for the image warp).
        self.pix_v = np.arange(rows) + 0.5 - rows / 2
        self.pix_u = np.arange(cols) + 0.5 - cols / 2
        self.first_ground_row, self.pixel_points = self._ground_points(self.pix_u, self.pix_v)

    def _ground_points(self, u: np.ndarray, v: np.ndarray) -> tuple[int, np.ndarray]:
        """Index of the first ground row, and the ground hits (x, y) of shape (n_ground_rows, len(u), 2)."""
        th, f = self.pitch, self.f
        dz = -f * np.sin(th) - v * np.cos(th)
        ground = dz < 0
        first = int(np.argmax(ground)) if ground.any() else v.size
        vg = v[first:]
        t = self.height / -dz[first:]
        x = np.repeat((t * (f * np.cos(th) - vg * np.sin(th)))[:, None], u.size, axis=1)
        y = -t[:, None] * u[None, :]
        return first, np.stack([x, y], axis=-1)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates (row, col), in pixels with centres at integers, of ground points (..., 2)."""
        th, f, h = self.pitch, self.f, self.height
        x, y = points[..., 0], points[..., 1]
        fwd = x * np.cos(th) + h * np.sin(th)          # a . (x, y, -h)
        right = -y                                     # rt . (x, y, -h)
        down = -x * np.sin(th) + h * np.cos(th)        # dn . (x, y, -h)
        with np.errstate(divide="ignore", invalid="ignore"):
            u, v = f * right / fwd, f * down / fwd
        return v + self.rows / 2 - 0.5, u + self.cols / 2 - 0.5

    def intensity(self, d: np.ndarray, half_width: float = 2.0) -> np.ndarray:
        """Ground intensity at signed lateral distance ``d`` from the centreline of a road this wide."""
        a = np.abs(d)
        out = np.where(a <= half_width, self.ROAD, self.OFFROAD)
        if self.lines:
            out[np.abs(a - (half_width - self.LINE_INSET)) <= self.LINE_WIDTH / 2] = self.LINE
        return out

    def lateral_distance(self, road: Road, poses: np.ndarray, s: float, points: np.ndarray) -> np.ndarray:
        """Signed lateral distance of vehicle-frame ground ``points`` (n, 2) seen from each pose (K, 3).

        Uses the centreline vertices around arc length ``s`` (the vehicle's).
        Returns shape (K, n).
        """
        V, N = road.window(s)
        poses = np.atleast_2d(poses)
        c, si = np.cos(poses[:, 2])[:, None], np.sin(poses[:, 2])[:, None]
        px = poses[:, 0:1] + c * points[:, 0] - si * points[:, 1]
        py = poses[:, 1:2] + si * points[:, 0] + c * points[:, 1]
        P = np.stack([px.ravel(), py.ravel()], axis=1)
        # |p - v|^2 = |p|^2 - 2 p.v + |v|^2; |p|^2 is the same for every vertex.
        d2 = (V * V).sum(axis=1) - 2.0 * (P @ V.T)
        i = np.argmin(d2, axis=1)
        lat = ((P - V[i]) * N[i]).sum(axis=1)
        return lat.reshape(poses.shape[0], -1)

    def render(self, road: Road, poses: np.ndarray, s: float) -> np.ndarray:
        """Retinas (K, rows, cols) seen from vehicle poses (K, 3) = (x, y, psi) near arc length ``s``."""
        poses = np.atleast_2d(np.asarray(poses, dtype=float))
        K, ss = poses.shape[0], self.supersample
        pts = self._sub_pts.reshape(-1, 2)
        ground = self.intensity(self.lateral_distance(road, poses, s, pts), road.half_width)
        sub = np.full((K, self.rows * ss, self.cols * ss), self.SKY)
        sub[:, self._sub_ground0:, :] = ground.reshape(K, -1, self.cols * ss)
        return sub.reshape(K, self.rows, ss, self.cols, ss).mean(axis=(2, 4))


class RangeFinder:
    """The 1989 ALVINN's 8x32 laser range retina: activation proportional to proximity.

    Each pixel's ray (same geometry as :class:`Camera`, with ``rows`` rows
    spanning the same field of view) gives ``min(1, height / distance)``,
    and 0 for sky or a hit beyond ``max_range``.  In this flat, obstacle-free
    world the range image depends on the ray geometry only, so it is the same
    for every pose: it carries no steering information (the real laser saw
    trees, ditches and verges).
    """

    def __init__(self, rows: int = 8, cols: int = 32, camera: Camera | None = None,
                 max_range: float = 50.0):
        cam = camera or Camera()
        self.rows, self.cols, self.max_range = int(rows), int(cols), float(max_range)
        th, f = cam.pitch, cam.f
        scale = cam.rows / rows
        v = (np.arange(rows) + 0.5) * scale - cam.rows / 2
        u = (np.arange(cols) + 0.5) * cam.cols / cols - cam.cols / 2
        dz = -f * np.sin(th) - v * np.cos(th)
        norm = np.sqrt(f * f + u[None, :] ** 2 + v[:, None] ** 2)
        with np.errstate(divide="ignore"):
            dist = np.where(dz[:, None] < 0, cam.height / -dz[:, None] * norm, np.inf)
        self.image = np.where(dist <= self.max_range, np.minimum(1.0, cam.height / dist), 0.0)

    def render(self, n: int = 1) -> np.ndarray:
        """``n`` copies of the range retina, shape (n, rows, cols)."""
        return np.broadcast_to(self.image, (n, self.rows, self.cols)).copy()


class SensorNoise:
    """Disturbances of rendered retinas: pixel noise and changing light (evaluation conditions).

    Frame t becomes ``g_t (1 + a_t u / (cols / 2)) image + N(0, noise_sd^2)``
    per pixel, with u the column centre's offset from the image centre: g_t is
    the overall light and a_t a left-right slope (sun from one side).  Both
    drift as AR(1) processes, g_t - 1 and a_t with stationary SDs ``gain_sd``
    and ``slope_sd`` and coefficient ``rho`` per frame.  Per-image
    standardisation removes g_t exactly (ALVINN normalised intensity "to
    reduce lighting variability"); the slope and the noise remain.

    Parameters
    ----------
    noise_sd : float
        SD of the independent pixel noise (intensities are 0..1).
    gain_sd, slope_sd : float
        Stationary SDs of the light's drift.
    rho : float
        AR(1) coefficient per frame (0.99: the light changes over about 100 frames = 100 m).
    random_state : int, Generator or None
        Seed of the noise.
    """

    def __init__(self, noise_sd: float = 0.0, gain_sd: float = 0.0, slope_sd: float = 0.0,
                 rho: float = 0.99, random_state: int | np.random.Generator | None = None):
        for name, value in (("noise_sd", noise_sd), ("gain_sd", gain_sd), ("slope_sd", slope_sd)):
            check_range(name, value, 0.0, None)
        check_range("rho", rho, 0.0, 1.0, high_open=True)
        self.noise_sd, self.gain_sd, self.slope_sd, self.rho = noise_sd, gain_sd, slope_sd, rho
        self.rng = np.random.default_rng(random_state)
        innovation = np.sqrt(1 - rho * rho)
        self._step = np.array([gain_sd, slope_sd]) * innovation
        self.state = self.rng.normal(0.0, 1.0, 2) * [gain_sd, slope_sd]   # start in the stationary law

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """The disturbed copy of retinas (K, rows, cols), the light advanced by one frame."""
        self.state = self.rho * self.state + self.rng.normal(0.0, 1.0, 2) * self._step
        gain, slope = 1.0 + self.state[0], self.state[1]
        cols = images.shape[-1]
        u = (np.arange(cols) + 0.5 - cols / 2) / (cols / 2)
        out = gain * (1.0 + slope * u) * images
        if self.noise_sd > 0:
            out = out + self.rng.normal(0.0, self.noise_sd, images.shape)
        return out


def standardize(images: np.ndarray) -> np.ndarray:
    """Per-image standardisation (x - mean) / SD, flattened to (K, rows * cols)."""
    X = images.reshape(images.shape[0], -1)
    mu = X.mean(axis=1, keepdims=True)
    sd = X.std(axis=1, keepdims=True)
    return (X - mu) / np.where(sd > 0, sd, 1.0)
