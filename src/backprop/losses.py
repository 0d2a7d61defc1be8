"""Error functions E(z, t), each with its derivatives beside it.

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

For curvature (``backprop.optim.curvature``) each loss also carries, as
functions of (z, t) taken element-wise: ``curvature`` = d^2 E / dz^2 (the
Gauss-Newton matrix split at z), and ``fisher``, the Fisher information of
the output distribution in terms of its mean z (Gaussian with unit variance:
1, Bernoulli: 1 / (z (1 - z)), categorical: 1 / z).  Arrays hold the output
units on their last axis, with any leading axes (samples; models of a stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._errors import check_choice

__all__ = ["Loss", "get", "available"]

Array = np.ndarray
PerElement = Callable[[Array, Array], Array]


def _tiny(z: Array) -> float:
    return float(np.finfo(z.dtype).tiny)


def _clip(a: Array) -> Array:
    """a kept above sqrt(tiny), so that 1 / a^2 stays finite."""
    return np.maximum(a, np.finfo(a.dtype).tiny ** 0.5)


def _log(z: Array) -> Array:
    return np.log(np.maximum(z, _tiny(z)))


def _softplus(s: Array) -> Array:
    """log(1 + e^s) without overflow."""
    return np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s)))


def _logsumexp(s: Array) -> Array:
    m = s.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(s - m).sum(axis=-1, keepdims=True)))[..., 0]


def _rowdot(a: Array, b: Array) -> Array:
    return np.einsum("...j,...j->...", a, b)


@dataclass(frozen=True)
class Loss:
    """One error function: per-sample value, dE/dz, the stable canonical form, curvature terms."""

    name: str
    canonical: str
    value: PerElement
    dz: PerElement
    value_from_s: PerElement
    outputs: tuple[str, ...] | None
    formula: str
    dz_formula: str
    curvature: PerElement
    fisher: PerElement

    def per_sample(self, act, s: Array, z: Array, t: Array) -> Array:
        """E_i of every sample for output activation ``act`` (from s for the canonical pair)."""
        return self.value_from_s(s, t) if act.name == self.canonical else self.value(z, t)

    def delta(self, act, z: Array, t: Array, out: Array) -> Array:
        """The output delta dE/ds into ``out``: z - t for the canonical pair, else g'(s) dE/dz."""
        if act.name == self.canonical:
            return np.subtract(z, t, out=out)
        return act.backward(z, self.dz(z, t), out=out)


_REGISTRY: dict[str, Loss] = {}


def _register(loss: Loss, *aliases: str) -> None:
    for key in (loss.name, *aliases):
        _REGISTRY[key] = loss


def _half_sq(z: Array, t: Array) -> Array:
    d = z - t
    return 0.5 * _rowdot(d, d)


_register(Loss(
    "squared_error", "identity", _half_sq, lambda z, t: z - t, _half_sq, None,
    "1/2 sum (z - t)^2", "z - t",
    curvature=lambda z, t: np.ones_like(z),
    fisher=lambda z, t: np.ones_like(z),                      # Gaussian, unit variance
), "mse")

_register(Loss(
    "binary_cross_entropy", "sigmoid",
    lambda z, t: -(t * _log(z) + (1.0 - t) * _log(1.0 - z)).sum(axis=-1),
    lambda z, t: (z - t) / np.maximum(z * (1.0 - z), _tiny(z)),
    lambda s, t: (_softplus(s) - t * s).sum(axis=-1),
    ("sigmoid", "softmax"),
    "-sum [t log z + (1 - t) log(1 - z)]", "(z - t) / (z (1 - z))",
    curvature=lambda z, t: t / _clip(z) ** 2 + (1 - t) / _clip(1 - z) ** 2,
    fisher=lambda z, t: 1.0 / _clip(z * (1 - z)),             # Bernoulli
), "log_loss", "bce")

_register(Loss(
    "cross_entropy", "softmax",
    lambda z, t: -(t * _log(z)).sum(axis=-1),
    lambda z, t: -t / np.maximum(z, _tiny(z)),
    lambda s, t: _logsumexp(s) * t.sum(axis=-1) - _rowdot(t, s),
    ("softmax", "sigmoid"),
    "-sum t log z", "-t / z",
    curvature=lambda z, t: t / _clip(z) ** 2,
    fisher=lambda z, t: 1.0 / _clip(z),                       # categorical
), "categorical_cross_entropy")


def available() -> list[str]:
    """Names of the registered losses (aliases excluded)."""
    return sorted({v.name for v in _REGISTRY.values()})


def get(name: str | Loss) -> Loss:
    """Look up a loss by name (``'mse'``, ``'log_loss'``, ``'bce'`` are aliases)."""
    if isinstance(name, Loss):
        return name
    loss = _REGISTRY.get(name) if isinstance(name, str) else None
    if loss is None:
        check_choice("loss", name, sorted(_REGISTRY))
    return loss
