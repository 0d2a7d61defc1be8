"""Synthetic views of a shifted or rotated vehicle, with corrected steering labels.

Pomerleau's fix for a demonstrator who never leaves the lane centre (1991,
1993): transform each live image to show what the camera would see from a
vehicle shifted sideways by dy (left positive) and turned by dpsi, and label
it with the steering that would bring that vehicle back.

Views:

- ``"rerender"`` (exact): render the road from the perturbed pose
  (x - sin(psi) dy, y + cos(psi) dy, psi + dpsi);
- ``"warp"`` (ALVINN's way, flat-ground assumption): each pixel's ground point in
  the perturbed frame, q, is mapped into the original frame,
  p = (0, dy) + R(dpsi) q, re-projected into the original image and sampled
  bilinearly; points outside the original field of view take the nearest
  valid pixel of the same row (ALVINN's "fill in missing pixels").

Labels (``"pomerleau"``, from the driver's steering only):

1. T = the point at arc length l = L_d on the driver's arc of curvature kappa_d,
   T = (sin(kappa_d l) / kappa_d, (1 - cos(kappa_d l)) / kappa_d), or (l, 0) if kappa_d = 0;
2. T' = R(-dpsi) (T - (0, dy)), the same point in the perturbed frame;
3. kappa' = 2 y' / (x'^2 + y'^2) (pure pursuit to T').

``"oracle"`` labels with pure pursuit to the true centreline from the perturbed pose.
"""

from __future__ import annotations

import numpy as np

from .._errors import check_choice, check_range
from .camera import Camera
from .driver import arc_curvature, pure_pursuit
from .road import Road

__all__ = ["perturb_poses", "corrected_curvature", "oracle_curvature", "warp_views", "Augmenter",
           "mirror_patterns", "PRESETS", "MODES", "LABELS"]

MODES = ("rerender", "warp")
LABELS = ("pomerleau", "oracle")
PRESETS = {"default": (1.0, 10.0), "alvinn": (0.6, 6.0)}
"""(max shift in m, max rotation in degrees).  ``alvinn`` is the recalled +-0.6 m / +-6 deg."""


def perturb_poses(pose: np.ndarray, dy: np.ndarray, dpsi: np.ndarray) -> np.ndarray:
    """Poses (K, 3) shifted ``dy`` metres to the left of ``pose`` and turned by ``dpsi``."""
    x, y, psi = pose
    dy, dpsi = np.asarray(dy, float), np.asarray(dpsi, float)
    return np.stack([x - np.sin(psi) * dy, y + np.cos(psi) * dy, psi + dpsi], axis=-1)


def corrected_curvature(kappa_d: float, dy: np.ndarray, dpsi: np.ndarray,
                        lookahead: float = 10.0) -> np.ndarray:
    """Pomerleau's corrected label for views shifted by ``dy`` and turned by ``dpsi``."""
    l = lookahead
    if abs(kappa_d) < 1e-9:
        tx, ty = l, 0.5 * kappa_d * l * l
    else:
        tx, ty = np.sin(kappa_d * l) / kappa_d, (1 - np.cos(kappa_d * l)) / kappa_d
    dy, dpsi = np.asarray(dy, float), np.asarray(dpsi, float)
    px, py = tx, ty - dy
    c, s = np.cos(dpsi), np.sin(dpsi)
    return arc_curvature(np.stack([c * px + s * py, -s * px + c * py], axis=-1))


def oracle_curvature(road: Road, pose: np.ndarray, s: float, dy: np.ndarray, dpsi: np.ndarray,
                     lookahead: float = 10.0) -> np.ndarray:
    """Pure pursuit to the true centreline from each perturbed pose."""
    out = []
    for q in perturb_poses(pose, np.atleast_1d(dy), np.atleast_1d(dpsi)):
        sq, _ = road.locate(q[0], q[1], s)
        out.append(pure_pursuit(road, q, sq, lookahead))
    return np.array(out)


def warp_views(camera: Camera, image: np.ndarray, dy: np.ndarray, dpsi: np.ndarray) -> np.ndarray:
    """Warp one retina (rows, cols) into the views from K perturbed poses: (K, rows, cols)."""
    dy, dpsi = np.atleast_1d(np.asarray(dy, float)), np.atleast_1d(np.asarray(dpsi, float))
    q = camera.pixel_points                                   # (G, cols, 2) in the perturbed frame
    c, s = np.cos(dpsi)[:, None, None], np.sin(dpsi)[:, None, None]
    px = c * q[..., 0] - s * q[..., 1]
    py = dy[:, None, None] + s * q[..., 0] + c * q[..., 1]
    r, col = camera.project(np.stack([px, py], axis=-1))
    g0 = camera.first_ground_row
    r = np.clip(np.nan_to_num(r, nan=g0), g0, camera.rows - 1)
    col = np.clip(np.nan_to_num(col, nan=0.0), 0, camera.cols - 1)
    r0 = np.minimum(np.floor(r).astype(int), camera.rows - 2)
    c0 = np.minimum(np.floor(col).astype(int), camera.cols - 2)
    fr, fc = r - r0, col - c0
    im = np.asarray(image, float)
    ground = ((1 - fr) * ((1 - fc) * im[r0, c0] + fc * im[r0, c0 + 1])
              + fr * ((1 - fc) * im[r0 + 1, c0] + fc * im[r0 + 1, c0 + 1]))
    out = np.broadcast_to(im, (dy.size,) + im.shape).copy()
    out[:, g0:, :] = ground
    return out


class Augmenter:
    """Make ``n_views`` synthetic (image, curvature) pairs per real frame.

    Parameters
    ----------
    n_views : int
        Synthetic views per real frame (14 in ALVINN).
    max_shift : float
        Lateral shifts dy ~ U[-max_shift, max_shift], metres.
    max_rotation_deg : float
        Heading errors dpsi ~ U[-max, max], degrees.
    mode : {"rerender", "warp"}
        How the views are made.
    labels : {"pomerleau", "oracle"}
        How their steering is labelled.
    lookahead : float
        Look-ahead distance of the label's pure pursuit, metres.
    kappa_max : float
        Labels are clipped to +-kappa_max.
    mirror : bool
        Mirror each pattern (real or synthetic) with probability 1/2: the
        retina's columns reversed and the curvature negated, which is exactly
        the view of the mirrored road, so the training data become left-right
        symmetric whatever mix of curves the training course has.
    """

    def __init__(self, n_views: int = 14, max_shift: float = 1.0, max_rotation_deg: float = 10.0,
                 mode: str = "rerender", labels: str = "pomerleau", lookahead: float = 10.0,
                 kappa_max: float = 1 / 20, mirror: bool = False):
        check_range("n_views", n_views, 0, None)
        check_range("max_shift", max_shift, 0.0, None)
        check_range("max_rotation_deg", max_rotation_deg, 0.0, 90.0)
        check_choice("augmentation mode", mode, MODES)
        check_choice("label correction", labels, LABELS)
        self.n_views, self.max_shift = int(n_views), float(max_shift)
        self.max_rotation = np.deg2rad(max_rotation_deg)
        self.mode, self.labels, self.lookahead, self.kappa_max = mode, labels, lookahead, kappa_max
        self.mirror = bool(mirror)

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_views`` perturbations (dy, dpsi)."""
        return (rng.uniform(-self.max_shift, self.max_shift, self.n_views),
                rng.uniform(-self.max_rotation, self.max_rotation, self.n_views))

    def __call__(self, camera: Camera, road: Road, pose: np.ndarray, s: float, kappa_d: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The real frame followed by its synthetic views: images (1 + n, rows, cols), curvatures (1 + n,)."""
        dy, dpsi = self.sample(rng)
        if self.mode == "rerender":
            images = camera.render(road, np.vstack([pose, perturb_poses(pose, dy, dpsi)]), s)
        else:
            real = camera.render(road, pose, s)
            images = np.concatenate([real, warp_views(camera, real[0], dy, dpsi)])
        if self.labels == "pomerleau":
            kappas = corrected_curvature(kappa_d, dy, dpsi, self.lookahead)
        else:
            kappas = oracle_curvature(road, pose, s, dy, dpsi, self.lookahead)
        kappas = np.concatenate([[kappa_d], np.clip(kappas, -self.kappa_max, self.kappa_max)])
        if self.mirror:
            images, kappas = mirror_patterns(images, kappas, rng.random(kappas.size) < 0.5)
        return images, kappas


def mirror_patterns(images: np.ndarray, kappas: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror the chosen patterns: retina columns reversed, curvature negated (a mirrored world)."""
    images, kappas = images.copy(), kappas.copy()
    images[which] = images[which][:, :, ::-1]
    kappas[which] = -kappas[which]
    return images, kappas
