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
Each class also holds its compiled form, ``kernel``: the same rule weight by
weight (see :mod:`backprop.optim.base`).

This module holds the gradient-descent family (``sgd``, ``adagrad``,
``rmsprop``); :mod:`backprop.optim.adam` the Adam family and
:mod:`backprop.optim.local` the sign- and secant-based ``rprop`` and
``quickprop``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._errors import ConfigError
from .base import NONNEG, OPEN, UNIT, UNIT_OPEN, ElementwiseOptimizer, State, register

__all__ = ["SGD", "Adagrad", "RMSprop", "ElementwiseOptimizer"]  # the base lives in .base

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

    kernel_hp = ("momentum", "dampening", "nesterov", "weight_decay", "lecture_form")
    kernel_state = ("g", "momentum_buffer")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, buf):
        momentum, dampening, nesterov, wd, lecture = hp
        t, eta = sc[0], sc[1]
        c = 1.0 if t == 1 else 1.0 - dampening
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            if momentum == 0.0:
                s = g * -eta
            elif lecture:                        # dw <- a dw - eta c g
                s = g * -eta
                if c != 1.0:
                    s *= c
                buf[p] = buf[p] * momentum + s
                s = ((s / momentum) + buf[p]) * momentum if nesterov else buf[p]
            else:                                # b <- a b + (1 - dampening) g
                if t == 1:
                    buf[p] = g
                elif c == 1.0:
                    buf[p] = buf[p] * momentum + g
                else:
                    buf[p] = buf[p] * momentum + g * c
                s = (buf[p] * momentum + g) * -eta if nesterov else buf[p] * -eta
            step[p] = s
            params[p] += s


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

    kernel_hp = ("lr_decay", "weight_decay", "eps")
    kernel_state = ("g", "sum_sq", "effective_learning_rate")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, G, rate):
        lr_decay, wd, eps = hp
        eta_t = sc[1] / (1.0 + (sc[0] - 1) * lr_decay)
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            G[p] += g * g
            r = eta_t / (math.sqrt(G[p]) + eps)
            rate[p] = r
            s = -(g * r)
            step[p] = s
            params[p] += s


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

    kernel_hp = ("rho", "eps", "weight_decay", "momentum", "centered")
    kernel_state = ("g", "v", "grad_avg", "momentum_buffer", "effective_learning_rate")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, v, gbar, buf, rate):
        rho, eps, wd, momentum, centered = hp
        eta = sc[1]
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            v[p] = v[p] * rho + (g * g) * (1.0 - rho)
            if centered:
                gbar[p] += (g - gbar[p]) * (1.0 - rho)
                d = math.sqrt(v[p] - gbar[p] * gbar[p]) + eps
            else:
                d = math.sqrt(v[p]) + eps
            if momentum > 0:
                buf[p] = buf[p] * momentum + g / d
                rate[p] = eta / d
                s = buf[p] * -eta
            else:
                r = eta / d
                rate[p] = r
                s = -(g * r)
            step[p] = s
            params[p] += s


from . import adam, local  # noqa: E402,F401  (registers the Adam family, then rprop, quickprop)
