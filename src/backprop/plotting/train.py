"""Small trained networks for figures: a 2-D problem and a network that solves it."""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from .._errors import ConfigError, check_choice
from ..network import Network
from ..training import ConvergenceWarning


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


def train_2d(name: str = "xor", hidden: int | None = None, epochs: int | None = None,
             seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    """Train a one-hidden-layer network on the 2-D problem ``name`` (full-batch Adam, ``backprop.fit``).

    XOR: 2-2-1 sigmoid, cross-entropy; others: inputs standardised (the
    returned ``X`` is), ``hidden`` tanh units, sigmoid or softmax outputs.
    """
    from ..training import fit
    X, y = load_2d(name, seed)
    if name != "xor":                                  # standardised inputs train far better
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    classes = np.unique(y)
    k = 1 if len(classes) <= 2 else len(classes)
    hidden = hidden or (2 if name == "xor" else 32)
    epochs = epochs or (2000 if name == "xor" else 3000)
    net = Network([2, hidden, k], activation="sigmoid" if name == "xor" else "tanh",
                  output_activation="sigmoid" if k == 1 else "softmax", random_state=seed,
                  init="uniform" if name == "xor" else "glorot_uniform")
    T = (y == classes[-1]).astype(float) if k == 1 else np.searchsorted(classes, y)
    loss = "binary_cross_entropy" if k == 1 else "cross_entropy"
    with warnings.catch_warnings():  # a figure shows how far it got; no stall warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit(net, X, T, loss=loss, optimizer="adam", optimizer_params={"learning_rate": 0.05},
            epochs=epochs, batch_size=None, progress=False)
    return net, X, y
