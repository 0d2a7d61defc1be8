"""Activation functions g, each with its derivative beside it.

The lecture's two smooth activations have derivatives that are cheapest to
compute from the *output* z = g(s) rather than from the input s:

    sigmoid   g(s) = 1 / (1 + e^-s)      g'(s) = z (1 - z)
    tanh      g(s) = tanh(s)             g'(s) = 1 - z^2

Every element-wise activation here follows that pattern: ``deriv(z)`` takes
the output.  ``step`` is the perceptron's threshold unit; its derivative is
zero everywhere (and undefined at 0), which is exactly why gradient descent
cannot train it.  ``softmax`` couples the units of a layer, so it provides a
vector-Jacobian product (``backward``) instead of an element-wise derivative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._errors import check_choice

__all__ = ["Activation", "get", "available"]


@dataclass(frozen=True)
class Activation:
    """One activation g: its value, and its derivative from the output.

    ``forward(s, out)`` writes g(s) into ``out`` (which may be ``s`` itself).
    ``backward(z, dz, out)`` writes dE/ds given z = g(s) and dz = dE/dz.
    ``deriv(z)`` is g'(s) expressed through z (element-wise activations only).
    ``deriv_times(z, dz, out)``, where given, writes ``dz * deriv(z)`` into ``out``
    (which may be ``dz``) without a float temporary: the same products, so the same bits.
    """

    name: str
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray], np.ndarray] | None
    formula: str
    deriv_formula: str
    elementwise: bool = True
    deriv_times: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None

    def __call__(self, s: np.ndarray) -> np.ndarray:
        return self.forward(s, np.empty_like(s))

    def backward(self, z: np.ndarray, dz: np.ndarray, out: np.ndarray) -> np.ndarray:
        """dE/ds from dE/dz: element-wise product with g'(s), or softmax's VJP."""
        if self.deriv_times is not None:
            return self.deriv_times(z, dz, out)
        if self.elementwise:
            return np.multiply(dz, self.deriv(z), out=out)
        # softmax: dE/ds_k = z_k (dE/dz_k - sum_j z_j dE/dz_j)
        inner = np.einsum("ij,ij->i", z, dz)[:, None]
        np.subtract(dz, inner, out=out)
        return np.multiply(out, z, out=out)


def _sigmoid(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow for any s.
    e = np.exp(-np.abs(s))
    pos = s >= 0
    np.divide(1.0, 1.0 + e, out=out, where=pos)
    np.divide(e, 1.0 + e, out=out, where=~pos)
    return out


def _softmax(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.subtract(s, s.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def _step(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    out[...] = s >= 0
    return out


def _copy(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out is not s:
        out[...] = s
    return out


_REGISTRY: dict[str, Activation] = {}


def _register(act: Activation, *aliases: str) -> None:
    for key in (act.name, *aliases):
        _REGISTRY[key] = act


_register(
    Activation("sigmoid", _sigmoid, lambda z: z * (1.0 - z),
               "1 / (1 + exp(-s))", "z (1 - z)"),
    "logistic",
)
_register(Activation("tanh", lambda s, out: np.tanh(s, out=out), lambda z: 1.0 - z * z,
                     "tanh(s)", "1 - z^2"))
_register(Activation("relu", lambda s, out: np.maximum(s, 0.0, out=out),
                     lambda z: (z > 0).astype(z.dtype), "max(0, s)", "1 if z > 0 else 0",
                     deriv_times=lambda z, dz, out: np.multiply(dz, z > 0, out=out)))
_register(Activation("identity", _copy, lambda z: np.ones_like(z), "s", "1",
                     deriv_times=lambda z, dz, out: np.multiply(dz, 1.0, out=out)), "linear")
_register(Activation("step", _step, lambda z: np.zeros_like(z),
                     "1 if s >= 0 else 0", "0 (undefined at s = 0)",
                     deriv_times=lambda z, dz, out: np.multiply(dz, 0.0, out=out)))
_register(Activation("softmax", _softmax, None, "exp(s_k) / sum_j exp(s_j)",
                     "z_k (delta_kj - z_j)", elementwise=False))


def available() -> list[str]:
    """Names of the registered activations (aliases excluded)."""
    return sorted({a.name for a in _REGISTRY.values()})


def get(name: str | Activation) -> Activation:
    """Look up an activation by name (``'logistic'`` and ``'linear'`` are aliases)."""
    if isinstance(name, Activation):
        return name
    check_choice("activation", name, sorted(_REGISTRY))
    return _REGISTRY[name]
