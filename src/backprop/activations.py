"""Activation functions g, each with its derivatives beside it.

The lecture's two smooth activations have derivatives that are cheapest to
compute from the *output* z = g(s) rather than from the input s:

    sigmoid   g(s) = 1 / (1 + e^-s)      g'(s) = z (1 - z)     g''(s) = (1 - 2z) g'(s)
    tanh      g(s) = tanh(s)             g'(s) = 1 - z^2       g''(s) = -2z g'(s)

Every element-wise activation here follows that pattern: ``deriv(z)`` takes
the output, and ``curvature(z)`` is the factor h(z) with g''(s) = h(z) g'(s)
(what exact Hessian products need; 0 for the piecewise-linear ones).
``step`` is the perceptron's threshold unit; its derivative is zero
everywhere (and undefined at 0), which is exactly why gradient descent
cannot train it.  ``softmax`` couples the units of a layer, so it provides
Jacobian products (``backward``, ``jvp``, ``r_backward``) instead of
element-wise derivatives.  Arrays hold the units on their last axis, with
any leading axes (samples; models of a stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._errors import check_choice

__all__ = ["Activation", "Softmax", "get", "available"]

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One element-wise activation g: its value, and its derivatives from the output.

    ``forward(s, out)`` writes g(s) into ``out`` (which may be ``s`` itself).
    ``deriv(z)`` is g'(s) expressed through z = g(s).
    ``curvature`` is h(z) with g''(s) = h(z) g'(s): a function of z, or the number 0.0
    for piecewise-linear g (stated, never assumed).
    ``deriv_times(z, dz, out)``, where given, writes ``dz * deriv(z)`` into ``out``
    (which may be ``dz``) without a float temporary: the same products, so the same bits.
    """

    name: str
    forward: Callable[[Array, Array], Array]
    deriv: Callable[[Array], Array] | None
    curvature: Callable[[Array], Array] | float | None
    formula: str
    deriv_formula: str
    deriv_times: Callable[[Array, Array, Array], Array] | None = None
    elementwise: bool = True

    def __call__(self, s: Array) -> Array:
        return self.forward(s, np.empty_like(s))

    def backward(self, z: Array, dz: Array, out: Array) -> Array:
        """dE/ds from dE/dz (the vector-Jacobian product): element-wise dz * g'(s)."""
        if self.deriv_times is not None:
            return self.deriv_times(z, dz, out)
        return np.multiply(dz, self.deriv(z), out=out)

    def jvp(self, z: Array, ru: Array) -> Array:
        """R{z} from R{s} (the Jacobian-vector product): g'(s) R{s}."""
        return self.deriv(z) * ru

    def r_backward(self, z: Array, rz: Array, a: Array, ra: Array) -> Array:
        """R{dE/ds} for dE/ds = g'(s) a, given R{z} and R{a}: g'(s) R{a} + h(z) R{z} a."""
        out = self.deriv(z) * ra
        if callable(self.curvature):
            out += self.curvature(z) * rz * a
        return out


@dataclass(frozen=True)
class Softmax(Activation):
    """softmax: z_k = e^{s_k} / sum_j e^{s_j}, Jacobian dz_k/ds_j = z_k (delta_kj - z_j).

    The Jacobian is symmetric, so ``jvp`` and ``backward`` are the same product.
    """

    elementwise: bool = False

    def backward(self, z: Array, dz: Array, out: Array) -> Array:
        """dE/ds_k = z_k (dE/dz_k - sum_j z_j dE/dz_j)."""
        inner = np.einsum("...j,...j->...", z, dz)[..., None]
        np.subtract(dz, inner, out=out)
        return np.multiply(out, z, out=out)

    def jvp(self, z: Array, ru: Array) -> Array:
        return self.backward(z, ru, np.empty_like(ru))

    def r_backward(self, z: Array, rz: Array, a: Array, ra: Array) -> Array:
        """R of z (a - <z, a>): R{z} (a - <z, a>) + z (R{a} - <R{z}, a> - <z, R{a}>)."""
        za = np.einsum("...j,...j->...", z, a)[..., None]
        inner = (np.einsum("...j,...j->...", rz, a)[..., None]
                 + np.einsum("...j,...j->...", z, ra)[..., None])
        return rz * (a - za) + z * (ra - inner)


def _sigmoid(s: Array, out: Array) -> Array:
    # exp of a non-positive number only: no overflow for any s.
    e = np.exp(-np.abs(s))
    pos = s >= 0
    np.divide(1.0, 1.0 + e, out=out, where=pos)
    np.divide(e, 1.0 + e, out=out, where=~pos)
    return out


def _softmax(s: Array, out: Array) -> Array:
    np.subtract(s, s.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def _step(s: Array, out: Array) -> Array:
    out[...] = s >= 0
    return out


def _copy(s: Array, out: Array) -> Array:
    if out is not s:
        out[...] = s
    return out


_REGISTRY: dict[str, Activation] = {}


def _register(act: Activation, *aliases: str) -> None:
    for key in (act.name, *aliases):
        _REGISTRY[key] = act


_register(Activation("sigmoid", _sigmoid, lambda z: z * (1.0 - z), lambda z: 1.0 - 2.0 * z,
                     "1 / (1 + exp(-s))", "z (1 - z)"), "logistic")
_register(Activation("tanh", lambda s, out: np.tanh(s, out=out), lambda z: 1.0 - z * z,
                     lambda z: -2.0 * z, "tanh(s)", "1 - z^2"))
_register(Activation("relu", lambda s, out: np.maximum(s, 0.0, out=out),
                     lambda z: (z > 0).astype(z.dtype), 0.0, "max(0, s)", "1 if z > 0 else 0",
                     deriv_times=lambda z, dz, out: np.multiply(dz, z > 0, out=out)))
_register(Activation("identity", _copy, lambda z: np.ones_like(z), 0.0, "s", "1",
                     deriv_times=lambda z, dz, out: np.multiply(dz, 1.0, out=out)), "linear")
_register(Activation("step", _step, lambda z: np.zeros_like(z), 0.0,
                     "1 if s >= 0 else 0", "0 (undefined at s = 0)",
                     deriv_times=lambda z, dz, out: np.multiply(dz, 0.0, out=out)))
_register(Softmax("softmax", _softmax, None, None, "exp(s_k) / sum_j exp(s_j)",
                  "z_k (delta_kj - z_j)"))


def available() -> list[str]:
    """Names of the registered activations (aliases excluded)."""
    return sorted({a.name for a in _REGISTRY.values()})


def get(name: str | Activation) -> Activation:
    """Look up an activation by name (``'logistic'`` and ``'linear'`` are aliases)."""
    if isinstance(name, Activation):
        return name
    act = _REGISTRY.get(name) if isinstance(name, str) else None
    if act is None:
        check_choice("activation", name, sorted(_REGISTRY))
    return act
