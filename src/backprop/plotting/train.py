"""Small trained networks for figures: a 2-D problem and a network that solves it."""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Sequence

import numpy as np

from .._errors import ConfigError, check_choice
from ..network import Network
from ..training import ConvergenceWarning

__all__ = ["load_2d", "train_2d", "describe_2d", "trained_xor", "SETTINGS_2D"]

# dataset -> (hidden layer sizes, epochs, Adam's learning rate, weight decay); full batch,
# glorot/tanh but XOR.  The spirals need depth: one layer of 32 tanh units stays a patchwork
# (73% of the points after 3000 epochs); 2-24-24-24-1 with a little weight decay separates all
# 194 and puts 99% of 2000 new points along the same spirals on the right side (docs/plots.md).
SETTINGS_2D: dict[str, tuple[tuple[int, ...], int, float, float]] = {
    "xor": ((2,), 2000, 0.05, 0.0),
    "spirals": ((24, 24, 24), 2000, 0.005, 1e-4),
}
DEFAULT_2D = ((16,), 1000, 0.05, 0.0)


def load_2d(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, 2) and 0/1 or class-index targets of a 2-D problem from :mod:`backprop.datasets`."""
    from .. import datasets
    check_choice("dataset", name, datasets.DATASETS)
    loader = datasets.DATASETS[name]                   # fixed sets (digits, ...) take no seed
    seeded = "random_state" in inspect.signature(loader).parameters
    d = loader(random_state=seed) if seeded else loader()
    if d.X.shape[1] != 2:
        raise ConfigError(f"dataset {name!r} has {d.X.shape[1]} inputs; decision boundaries need 2")
    return np.asarray(d.X, dtype=float), np.asarray(d.y)


def train_2d(name: str = "xor", hidden: int | Sequence[int] | None = None, epochs: int | None = None,
             seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray, dict[str, Any]]:
    """Train a network on the 2-D problem ``name`` by full-batch Adam (``backprop.fit``).

    XOR: 2-2-1 sigmoid, cross-entropy; others: inputs standardised (the returned ``X``
    is), ``hidden`` tanh layers (:data:`SETTINGS_2D`), sigmoid or softmax outputs.  The
    NumPy engine keeps the picture and its printed accuracy the same on every run.
    Returns ``(net, X, y, settings)``, ``settings`` naming what was trained and how.
    """
    from ..training import fit
    X, y = load_2d(name, seed)
    if name != "xor":                                  # standardised inputs train far better
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    classes = np.unique(y)
    k = 1 if len(classes) <= 2 else len(classes)
    default_hidden, default_epochs, lr, decay = SETTINGS_2D.get(name, DEFAULT_2D)
    hidden = default_hidden if hidden is None else (hidden,) if np.isscalar(hidden) else tuple(hidden)
    epochs = epochs or default_epochs
    act = "sigmoid" if name == "xor" else "tanh"
    out = "sigmoid" if k == 1 else "softmax"
    net = Network([2, *hidden, k], activation=act, output_activation=out, random_state=seed,
                  init="uniform" if name == "xor" else "glorot_uniform")
    T = (y == classes[-1]).astype(float) if k == 1 else np.searchsorted(classes, y)
    loss = "binary_cross_entropy" if k == 1 else "cross_entropy"
    with warnings.catch_warnings():  # a figure shows how far it got; no stall warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit(net, X, T, loss=loss, optimizer="adam", optimizer_params={"learning_rate": lr},
            epochs=epochs, batch_size=None, progress=False, engine="numpy", weight_decay=decay)
    settings = {"dataset": name, "layers": list(net.layer_sizes), "activation": act, "output": out,
                "loss": loss, "optimizer": "adam", "learning_rate": lr, "weight_decay": decay,
                "epochs": epochs, "seed": seed}
    return net, X, y, settings


def describe_2d(settings: dict[str, Any]) -> str:
    """One line naming a :func:`train_2d` run's network and training."""
    s = settings
    return (f"{s['dataset']}: {'-'.join(map(str, s['layers']))} network ({s['activation']} hidden, "
            f"{s['output']} output, {s['loss']}), full-batch Adam eta = {s['learning_rate']:g}"
            + (f", weight decay {s['weight_decay']:g}" if s["weight_decay"] else "")
            + f", {s['epochs']} epochs, seed {s['seed']}")


def trained_xor(seed: int = 0) -> Network:
    """The lecture's 2-2-1 sigmoid network solving XOR: ``demo xor``'s gradient descent from the
    first of the seeds ``seed, seed + 1, ...`` that solves it."""
    from ..demos.xor import train
    for s in range(seed, seed + 50):
        net, _, _, ok = train(s, 2.0, 5000, 0.1)
        if ok:
            return net
    return net  # pragma: no cover
