"""Numbers about a session's network beyond its loss: scores now, and its initial weights per scheme.

* :func:`scores` -- on the training and the test set at the current weights:
  accuracy and the confusion matrix (:func:`backprop.evaluation.classification_scores`;
  C[i, j] counts samples of class i predicted as class j) for classes, R^2, RMSE and
  MAE (:func:`backprop.evaluation.regression_scores`) for regression.  A class is the
  argmax over the outputs, or for one output unit ``z > 0.5`` (``z > 0`` for tanh),
  as the trainer's ``metric="accuracy"`` decides it.
* :func:`init_histograms` -- for every scheme of :mod:`backprop.initializers`, the
  weights W of each layer of this architecture as that scheme draws them (same seed),
  as a histogram over one range per layer shared by all schemes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers
from ..evaluation import classification_scores, regression_scores
from ..network import Network
from .data import PlayData

__all__ = ["scores", "init_histograms", "HIST_BINS"]

HIST_BINS = 24


def _classes(Z: np.ndarray, threshold: float) -> np.ndarray:
    return Z.argmax(axis=1) if Z.shape[1] > 1 else (Z[:, 0] > threshold).astype(np.int64)


def _one(net: Network, data: PlayData, X: np.ndarray, idx: np.ndarray) -> dict[str, Any] | None:
    if len(idx) == 0:
        return None
    Z = net.forward(X)
    if data.task == "regression":
        s = regression_scores(data.T[idx], Z)
        return {k: s[k] if np.isfinite(s[k]) else None for k in ("r2", "rmse", "mae")}
    threshold = 0.0 if net.layers[-1].activation.name == "tanh" else 0.5
    k = len(data.classes)
    with np.errstate(invalid="ignore"):
        pred = _classes(np.nan_to_num(Z, nan=-np.inf), threshold)
    s = classification_scores(data.labels[idx], pred, k)
    return {"accuracy": s["accuracy"], "confusion_matrix": s["confusion_matrix"].tolist()}


def scores(net: Network, data: PlayData) -> dict[str, Any]:
    """``{"train": ..., "test": ... or None}`` at the current weights (see the module docstring)."""
    return {"train": _one(net, data, data.X_train, data.train),
            "test": _one(net, data, data.X_test, data.test)}


def init_histograms(net: Network, seed: int, bins: int = HIST_BINS) -> dict[str, Any]:
    """Per scheme, per layer: counts of the initial weights W over a range shared by the schemes."""
    draws = {}
    for scheme in initializers.available():
        other = Network(net.layer_sizes, net.activations, init=scheme, random_state=seed)
        draws[scheme] = [layer.W.ravel().copy() for layer in other.layers]
    layers = []
    for l in range(len(net.layers)):
        top = max(float(np.max(np.abs(d[l]), initial=0.0)) for d in draws.values()) or 1.0
        edges = np.linspace(-top, top, bins + 1)
        layers.append({"layer": l + 1, "n_in": net.layer_sizes[l], "n_out": net.layer_sizes[l + 1],
                       "range": [-top, top],
                       "counts": {s: np.histogram(d[l], edges)[0].tolist() for s, d in draws.items()},
                       "sd": {s: float(d[l].std()) for s, d in draws.items()}})
    return {"schemes": initializers.available(), "bins": bins, "layers": layers}
