"""Error functions E(z, t), each with its derivative dE/dz beside it.

    squared_error           E = 1/2 sum_k (z_k - t_k)^2             dE/dz = z - t
    binary_cross_entropy    E = -sum_k [t log z + (1-t) log(1-z)]   dE/dz = (z - t) / (z (1 - z))
    cross_entropy           E = -sum_k t_k log z_k                  dE/dz = -t / z

Values are per sample; the network sums (the lecture's E over all patterns)
or averages them.  Each loss names its *canonical* output activation: with
identity + squared error, sigmoid + binary cross-entropy and softmax + cross
entropy the output delta dE/ds collapses to z - t, and the loss value is
computed from the pre-activation s (log-sum-exp, softplus), so it never takes
log(0) or overflows.  Any other pairing goes through the general chain rule
dE/ds = g'(s) dE/dz.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._errors import check_choice

__all__ = ["Loss", "get", "available"]

def _tiny(z: np.ndarray) -> float:
    return float(np.finfo(z.dtype).tiny)


def _log(z: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(z, _tiny(z)))


def _softplus(s: np.ndarray) -> np.ndarray:
    """log(1 + e^s) without overflow."""
    return np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s)))


def _logsumexp(s: np.ndarray) -> np.ndarray:
    m = s.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(s - m).sum(axis=1, keepdims=True)))[:, 0]


@dataclass(frozen=True)
class Loss:
    """One error function: per-sample value, dE/dz, and the stable canonical form."""

    name: str
    canonical: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    dz: Callable[[np.ndarray, np.ndarray], np.ndarray]
    value_from_s: Callable[[np.ndarray, np.ndarray], np.ndarray]
    outputs: tuple[str, ...] | None
    formula: str
    dz_formula: str


_REGISTRY: dict[str, Loss] = {}


def _register(loss: Loss, *aliases: str) -> None:
    for key in (loss.name, *aliases):
        _REGISTRY[key] = loss


def _half_sq(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    d = z - t
    return 0.5 * np.einsum("ij,ij->i", d, d)


_register(Loss(
    "squared_error", "identity", _half_sq, lambda z, t: z - t, _half_sq, None,
    "1/2 sum (z - t)^2", "z - t",
), "mse")

_register(Loss(
    "binary_cross_entropy", "sigmoid",
    lambda z, t: -(t * _log(z) + (1.0 - t) * _log(1.0 - z)).sum(axis=1),
    lambda z, t: (z - t) / np.maximum(z * (1.0 - z), _tiny(z)),
    lambda s, t: (_softplus(s) - t * s).sum(axis=1),
    ("sigmoid", "softmax"),
    "-sum [t log z + (1 - t) log(1 - z)]", "(z - t) / (z (1 - z))",
), "log_loss", "bce")

_register(Loss(
    "cross_entropy", "softmax",
    lambda z, t: -(t * _log(z)).sum(axis=1),
    lambda z, t: -t / np.maximum(z, _tiny(z)),
    lambda s, t: _logsumexp(s) * t.sum(axis=1) - np.einsum("ij,ij->i", t, s),
    ("softmax", "sigmoid"),
    "-sum t log z", "-t / z",
), "categorical_cross_entropy")


def available() -> list[str]:
    """Names of the registered losses (aliases excluded)."""
    return sorted({v.name for v in _REGISTRY.values()})


def get(name: str | Loss) -> Loss:
    """Look up a loss by name (``'mse'``, ``'log_loss'``, ``'bce'`` are aliases)."""
    if isinstance(name, Loss):
        return name
    check_choice("loss", name, sorted(_REGISTRY))
    return _REGISTRY[name]
