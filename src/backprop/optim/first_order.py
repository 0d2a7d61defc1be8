"""First-order optimizers, sorted in order of increasing complexity.

Each is a few lines of element-wise vector arithmetic on the flat parameter
vector; its update rule sits in its docstring (``docs/optimizers.md`` has
them all in one place).  Notation: ``g`` is dE/dw (plus ``weight_decay * w``
where the rule couples weight decay to the gradient), ``eta`` the learning
rate ``state["learning_rate"]``, ``t`` the update count (1 at the first
update); squares, roots and divisions act per weight.

Every rule works on ``params`` of shape ``(P,)`` or ``(K, P)`` (K networks
updated at once) with ``eta`` a float or an array of shape ``(K, 1)``, and
writes into buffers held in the state: apart from a few boolean masks in
``rprop`` and ``quickprop``, an update allocates no parameter-sized array.

This module holds the gradient-descent family (``sgd``, ``adagrad``,
``rmsprop``); :mod:`backprop.optim.adam` the Adam family and
:mod:`backprop.optim.local` the sign- and secant-based ``rprop`` and
``quickprop``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ConfigError
from .base import Optimizer, State, register

__all__ = ["SGD", "Adagrad", "RMSprop", "ElementwiseOptimizer"]

OPEN = (0.0, None, True)          # (0, inf)
NONNEG = (0.0, None)              # [0, inf)
UNIT = (0.0, 1.0)                 # [0, 1]
UNIT_OPEN = (0.0, 1.0, False, True)   # [0, 1)


class ElementwiseOptimizer(Optimizer):
    """Shared plumbing: coupled weight decay into the buffer ``state["g"]``.

    With ``weight_decay > 0`` the state holds ``g``, the gradient the rule
    actually uses, ``dE/dw + weight_decay * w`` (L2 regularisation, coupled:
    it passes through the adaptive scaling like the loss gradient does).
    """

    coupled_weight_decay = True

    def _state(self, params: np.ndarray, **arrays: Any) -> State:
        if self.coupled_weight_decay and self.hyperparameters.get("weight_decay", 0.0):
            arrays["g"] = np.zeros_like(params)
        return super()._state(params, **arrays)

    def _grad(self, grad: np.ndarray, state: State, params: np.ndarray) -> np.ndarray:
        """``dE/dw + weight_decay * w`` written into ``state["g"]`` (``grad`` itself without decay)."""
        if not (self.coupled_weight_decay and self.hyperparameters.get("weight_decay", 0.0)):
            return grad
        g = state["g"]
        np.multiply(params, self.weight_decay, out=g)
        g += grad
        return g


@register
class SGD(ElementwiseOptimizer):
    """Gradient descent, optionally with momentum (Rumelhart, Hinton & Williams 1986).

    Plain (``momentum = 0``):  step = -eta g,  g = dE/dw + weight_decay w.

    Torch form (default; PyTorch ``SGD``, Sutskever et al. 2013 for Nesterov).
    The buffer ``b`` accumulates gradients, the learning rate is applied
    afterwards::

        b <- momentum b + (1 - dampening) g      (b = g at t = 1)
        d  = g + momentum b   if nesterov   else   b
        step = -eta d

    Lecture form (``lecture_form=True``; also scikit-learn's and Keras's SGD).
    The buffer holds the last step ``dw``, so the learning rate is applied
    when a gradient enters it::

        dw <- momentum dw - eta c g              (c = 1 at t = 1, else 1 - dampening)
        step = momentum dw - eta g   if nesterov   else   dw

    With a constant learning rate the two forms give identical steps
    (dw = -eta b).  When eta changes over time (a schedule) they differ: the
    torch form rescales the whole accumulated velocity by the *new* eta at
    once, while the lecture form keeps old steps at the eta they were taken
    with and lets a new eta act only through new gradients.

    State: ``momentum_buffer`` (b in the torch form, dw in the lecture form).
    """

    name = "sgd"
    defaults = {"learning_rate": 0.01, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
                "weight_decay": 0.0, "lecture_form": False}
    ranges = {"learning_rate": OPEN, "momentum": UNIT, "dampening": UNIT, "weight_decay": NONNEG}

    def _check(self) -> None:
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ConfigError("sgd: nesterov momentum requires momentum > 0 and dampening = 0")

    def init(self, params: np.ndarray) -> State:
        return self._state(params, momentum_buffer=np.zeros_like(params))

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        eta, a, s = state["learning_rate"], self.momentum, state["step"]
        g = self._grad(grad, state, params)
        if a == 0:
            np.multiply(g, -eta, out=s)
            return s, state
        buf = state["momentum_buffer"]
        c = 1.0 if state["t"] == 1 else 1.0 - self.dampening
        if self.lecture_form:
            np.multiply(g, -eta, out=s)           # s = -eta g
            buf *= a
            if c != 1.0:
                s *= c
            buf += s                              # dw = a dw - eta c g
            if self.nesterov:                     # s = a dw - eta g  (a > 0 here)
                s /= a
                s += buf
                s *= a
            else:
                s[...] = buf
            return s, state
        if state["t"] == 1:
            buf[...] = g
        else:
            buf *= a
            if c == 1.0:
                buf += g
            else:
                np.multiply(g, c, out=s)
                buf += s
        if self.nesterov:
            np.multiply(buf, a, out=s)
            s += g
            s *= -eta
        else:
            np.multiply(buf, -eta, out=s)
        return s, state


@register
class Adagrad(ElementwiseOptimizer):
    """Adagrad: per-weight rates shrinking with the summed squared gradients (Duchi et al. 2011).

    As PyTorch's ``Adagrad``::

        g = dE/dw + weight_decay w
        eta_t = eta / (1 + (t - 1) lr_decay)
        G <- G + g^2                              (G = initial_accumulator_value at t = 0)
        step = -eta_t / (sqrt(G) + eps) g

    State: ``sum_sq`` (G) and ``effective_learning_rate``, the per-weight
    rate eta_t / (sqrt(G) + eps) that multiplies -g.
    """

    name = "adagrad"
    defaults = {"learning_rate": 0.01, "lr_decay": 0.0, "weight_decay": 0.0,
                "initial_accumulator_value": 0.0, "eps": 1e-10}
    ranges = {"learning_rate": OPEN, "lr_decay": NONNEG, "weight_decay": NONNEG,
              "initial_accumulator_value": NONNEG, "eps": NONNEG}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, sum_sq=np.full_like(params, self.initial_accumulator_value),
                           effective_learning_rate=np.zeros_like(params))

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        s, G, rate = state["step"], state["sum_sq"], state["effective_learning_rate"]
        g = self._grad(grad, state, params)
        eta_t = state["learning_rate"] / (1.0 + (state["t"] - 1) * self.lr_decay)
        np.multiply(g, g, out=s)
        G += s
        np.sqrt(G, out=rate)
        rate += self.eps
        np.divide(eta_t, rate, out=rate)
        np.multiply(g, rate, out=s)
        np.negative(s, out=s)
        return s, state


@register
class RMSprop(ElementwiseOptimizer):
    """RMSprop: divide by a running root mean square of the gradients (Tieleman & Hinton 2012).

    As PyTorch's ``RMSprop`` (``rho`` is the lecture's beta, torch's ``alpha``)::

        g = dE/dw + weight_decay w
        v <- rho v + (1 - rho) g^2
        denom = sqrt(v) + eps                     (centered: sqrt(v - gbar^2) + eps,
                                                   gbar <- rho gbar + (1 - rho) g)
        step = -eta g / denom                     (momentum: b <- momentum b + g / denom,
                                                   step = -eta b)

    The lecture puts eps under the root, eta / sqrt(v + eps); PyTorch and
    Keras add it outside, as here.

    State: ``v`` (square average), ``grad_avg`` (gbar, when centered),
    ``momentum_buffer`` (when momentum > 0) and ``effective_learning_rate``,
    the per-weight rate eta / denom.
    """

    name = "rmsprop"
    defaults = {"learning_rate": 0.01, "rho": 0.99, "eps": 1e-8, "weight_decay": 0.0,
                "momentum": 0.0, "centered": False}
    ranges = {"learning_rate": OPEN, "rho": UNIT_OPEN, "eps": NONNEG, "weight_decay": NONNEG,
              "momentum": UNIT}

    def init(self, params: np.ndarray) -> State:
        extra = {}
        if self.centered:
            extra["grad_avg"] = np.zeros_like(params)
        if self.momentum > 0:
            extra["momentum_buffer"] = np.zeros_like(params)
        return self._state(params, v=np.zeros_like(params),
                           effective_learning_rate=np.zeros_like(params), **extra)

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        eta, rho = state["learning_rate"], self.rho
        s, v, rate = state["step"], state["v"], state["effective_learning_rate"]
        g = self._grad(grad, state, params)
        np.multiply(g, g, out=s)
        s *= 1.0 - rho
        v *= rho
        v += s
        if self.centered:
            gbar = state["grad_avg"]
            np.subtract(g, gbar, out=s)
            s *= 1.0 - rho
            gbar += s
            np.multiply(gbar, gbar, out=rate)
            np.subtract(v, rate, out=rate)
            np.sqrt(rate, out=rate)
        else:
            np.sqrt(v, out=rate)
        rate += self.eps                          # rate holds denom for now
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            np.divide(g, rate, out=s)
            buf *= self.momentum
            buf += s
            np.divide(eta, rate, out=rate)
            np.multiply(buf, -eta, out=s)
        else:
            np.divide(eta, rate, out=rate)
            np.multiply(g, rate, out=s)
            np.negative(s, out=s)
        return s, state


from . import adam, local  # noqa: E402,F401  (registers the Adam family, then rprop, quickprop)
