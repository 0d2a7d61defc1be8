"""Metrics the trainer can record per epoch: ``metric="accuracy" | "r2" | "mse" | "mae"``.

    accuracy  fraction of samples whose predicted class equals the target class: argmax over
              outputs when there are several, else z > threshold (0 for a tanh output, 0.5
              otherwise) against t > threshold
    r2        1 - sum (z - t)^2 / sum (t - mean t)^2 per output, averaged over outputs
              (scikit-learn's ``r2_score``, ``multioutput="uniform_average"``)
    mse       mean over samples and outputs of (z - t)^2 (no factor 1/2, unlike the loss)
    mae       mean of |z - t|

Sample weights, when given, weight each sample as in scikit-learn.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._errors import check_choice

__all__ = ["get", "available"]


def _classes(A: np.ndarray, threshold: float) -> np.ndarray:
    return A.argmax(axis=1) if A.shape[1] > 1 else (A[:, 0] > threshold).astype(int)


def accuracy(Z, T, w=None, threshold=0.5):
    hit = (_classes(Z, threshold) == _classes(T, threshold)).astype(float)
    return float(np.average(hit, weights=w))


def r2(Z, T, w=None, threshold=None):
    w = np.ones(len(T)) if w is None else np.asarray(w, float)
    mean = np.average(T, axis=0, weights=w)
    ss_res = w @ (Z - T) ** 2
    ss_tot = w @ (T - mean) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return float(score.mean())


def mse(Z, T, w=None, threshold=None):
    return float(np.average(((Z - T) ** 2).mean(axis=1), weights=w))


def mae(Z, T, w=None, threshold=None):
    return float(np.average(np.abs(Z - T).mean(axis=1), weights=w))


_METRICS: dict[str, Callable[..., float]] = {"accuracy": accuracy, "r2": r2, "mse": mse, "mae": mae}
HIGHER_IS_BETTER = {"accuracy": True, "r2": True, "mse": False, "mae": False}


def available() -> list[str]:
    return list(_METRICS)


def get(name: str) -> Callable[..., float]:
    """The metric ``name``: ``f(Z, T, w=None, threshold=0.5) -> float``."""
    check_choice("metric", name, list(_METRICS))
    return _METRICS[name]
