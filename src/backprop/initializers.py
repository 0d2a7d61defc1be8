"""Weight initialisation: each scheme fills one layer's W and b in place.

    uniform          W, b ~ U(-0.5, 0.5)                       the lecture's "small random values"
    glorot_uniform   W ~ U(-r, r), r = sqrt(6 / (n_in + n_out)), b = 0   (Glorot & Bengio 2010)
    glorot_normal    W ~ N(0, 2 / (n_in + n_out)), b = 0
    he_uniform       W ~ U(-r, r), r = sqrt(6 / n_in), b = 0             (He et al. 2015)
    he_normal        W ~ N(0, 2 / n_in), b = 0
    lecun_normal     W ~ N(0, 1 / n_in), b = 0
    zeros            W = 0, b = 0   (symmetric: hidden units can never differ; for demonstrations)

``xavier_*`` are aliases of ``glorot_*``.  Glorot suits sigmoid/tanh, He
suits ReLU.  All draw from a ``numpy.random.Generator``, so a seed
reproduces the weights exactly.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._errors import check_choice

__all__ = ["get", "available"]

Init = Callable[[np.random.Generator, np.ndarray, np.ndarray], None]


def _uniform(rng: np.random.Generator, W: np.ndarray, b: np.ndarray) -> None:
    W[...] = rng.uniform(-0.5, 0.5, W.shape)
    b[...] = rng.uniform(-0.5, 0.5, b.shape)


def _fan_uniform(scale: Callable[[int, int], float]) -> Init:
    def init(rng: np.random.Generator, W: np.ndarray, b: np.ndarray) -> None:
        r = np.sqrt(scale(W.shape[1], W.shape[0]))
        W[...] = rng.uniform(-r, r, W.shape)
        b[...] = 0.0
    return init


def _fan_normal(var: Callable[[int, int], float]) -> Init:
    def init(rng: np.random.Generator, W: np.ndarray, b: np.ndarray) -> None:
        W[...] = rng.normal(0.0, np.sqrt(var(W.shape[1], W.shape[0])), W.shape)
        b[...] = 0.0
    return init


def _zeros(rng: np.random.Generator, W: np.ndarray, b: np.ndarray) -> None:
    W[...] = 0.0
    b[...] = 0.0


_REGISTRY: dict[str, Init] = {
    "uniform": _uniform,
    "glorot_uniform": _fan_uniform(lambda i, o: 6.0 / (i + o)),
    "glorot_normal": _fan_normal(lambda i, o: 2.0 / (i + o)),
    "he_uniform": _fan_uniform(lambda i, o: 6.0 / i),
    "he_normal": _fan_normal(lambda i, o: 2.0 / i),
    "lecun_normal": _fan_normal(lambda i, o: 1.0 / i),
    "zeros": _zeros,
}
_ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
            "glorot": "glorot_uniform", "xavier": "glorot_uniform", "he": "he_normal"}


def available() -> list[str]:
    """Names of the registered initialisation schemes (aliases excluded)."""
    return sorted(_REGISTRY)


def get(name: str | Init) -> Init:
    """Look up a scheme by name, or pass a callable ``init(rng, W, b)`` through."""
    if callable(name):
        return name
    check_choice("init", name, sorted(_REGISTRY) + sorted(_ALIASES))
    return _REGISTRY[_ALIASES.get(name, name)]
