"""The Adam family: Adam, AdamW, Adamax and NAdam (registered in that order).

All keep running averages of the gradient (``m``) and of its square or
absolute value (``v``, ``u``), corrected for their start at zero, and take
per-weight steps of roughly the size eta.  Notation as in
:mod:`backprop.optim.first_order`.

Teaching state, besides the averages: ``bias_correction1`` = 1/(1 - beta1^t)
and ``bias_correction2`` = 1/(1 - beta2^t) (the factors that turn m, v into
m_hat, v_hat; PyTorch's variables of the same name hold the reciprocals),
and ``effective_learning_rate``, the per-weight rate that multiplies
``-m_hat``: the step actually taken is ``state["step"]`` =
``-effective_learning_rate * m_hat`` (plus AdamW's ``decay_step``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import NONNEG, OPEN, UNIT_OPEN, ElementwiseOptimizer, State, register

__all__ = ["Adam", "AdamW", "Adamax", "NAdam"]


def _first_moment(g: np.ndarray, state: State, beta1: float) -> None:
    """m <- beta1 m + (1 - beta1) g (``step`` is scratch)."""
    s, m = state["step"], state["m"]
    np.subtract(g, m, out=s)                      # m + (1 - beta1)(g - m), as torch's lerp
    s *= 1.0 - beta1
    m += s


def _moments(g: np.ndarray, state: State, beta1: float, beta2: float) -> None:
    """m as in :func:`_first_moment`;  v <- beta2 v + (1 - beta2) g^2 (``step`` is scratch)."""
    _first_moment(g, state, beta1)
    s, v = state["step"], state["v"]
    np.multiply(g, g, out=s)
    s *= 1.0 - beta2
    v *= beta2
    v += s


def _bias_corrections(state: State, beta1: float, beta2: float) -> tuple[float, float]:
    t = state["t"]
    state["bias_correction1"] = bc1 = 1.0 / (1.0 - beta1 ** t)
    state["bias_correction2"] = bc2 = 1.0 / (1.0 - beta2 ** t)
    return bc1, bc2


@register
class Adam(ElementwiseOptimizer):
    """Adam: adaptive moment estimation (Kingma & Ba 2015; PyTorch ``Adam``).

    ::

        g = dE/dw + weight_decay w                (coupled L2, as torch's Adam)
        m <- beta1 m + (1 - beta1) g              v <- beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)                 v_hat = v / (1 - beta2^t)
        step = -eta / (sqrt(v_hat) + eps) m_hat

    ``amsgrad`` (Reddi et al. 2018) divides by the running maximum
    ``v_max <- max(v_max, v)`` instead of v.  The lecture puts eps under the
    root, sqrt(v_hat + eps); PyTorch adds it outside, as here.

    State: ``m``, ``v``, ``v_max`` (amsgrad), ``bias_correction1``,
    ``bias_correction2`` and ``effective_learning_rate`` = eta / (sqrt(v_hat) + eps).
    """

    name = "adam"
    defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                "weight_decay": 0.0, "amsgrad": False}
    ranges = {"learning_rate": OPEN, "beta1": UNIT_OPEN, "beta2": UNIT_OPEN, "eps": NONNEG,
              "weight_decay": NONNEG}

    def init(self, params: np.ndarray) -> State:
        extra = {"v_max": np.zeros_like(params)} if self.amsgrad else {}
        if not self.coupled_weight_decay and self.weight_decay:
            extra["decay_step"] = np.zeros_like(params)
        return self._state(params, m=np.zeros_like(params), v=np.zeros_like(params),
                           effective_learning_rate=np.zeros_like(params),
                           bias_correction1=1.0, bias_correction2=1.0, **extra)

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        eta, s, rate = state["learning_rate"], state["step"], state["effective_learning_rate"]
        _moments(self._grad(grad, state, params), state, self.beta1, self.beta2)
        bc1, bc2 = _bias_corrections(state, self.beta1, self.beta2)
        v = state["v"]
        if self.amsgrad:
            v = np.maximum(state["v_max"], v, out=state["v_max"])
        np.multiply(v, bc2, out=rate)
        np.sqrt(rate, out=rate)
        rate += self.eps
        np.divide(eta, rate, out=rate)
        np.multiply(state["m"], rate, out=s)
        s *= -bc1
        if not self.coupled_weight_decay and self.weight_decay:
            decay = state["decay_step"]
            np.multiply(params, -self.weight_decay * eta, out=decay)
            s += decay
        return s, state

    kernel_hp = ("beta1", "beta2", "eps", "weight_decay", "amsgrad", "coupled_weight_decay")
    kernel_state = ("g", "m", "v", "v_max", "decay_step", "effective_learning_rate")
    kernel_scalars = ("bias_correction1", "bias_correction2")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, m, v, v_max, decay, rate):
        b1, b2, eps, wd, amsgrad, coupled = hp
        t, eta = sc[0], sc[1]
        bc1 = 1.0 / (1.0 - math.pow(b1, t))
        bc2 = 1.0 / (1.0 - math.pow(b2, t))
        sc[2], sc[3] = bc1, bc2
        cwd = wd if coupled else 0.0
        dscale = -wd * eta
        for p in range(params.shape[0]):
            g = params[p] * cwd + grad[p] if cwd != 0.0 else grad[p]
            if cwd != 0.0:
                g_out[p] = g
            m[p] += (g - m[p]) * (1.0 - b1)
            v[p] = v[p] * b2 + (g * g) * (1.0 - b2)
            vv = v[p]
            if amsgrad:
                vv = max(v_max[p], vv)
                v_max[p] = vv
            r = eta / (math.sqrt(vv * bc2) + eps)
            rate[p] = r
            s = (m[p] * r) * -bc1
            if not coupled and wd != 0.0:
                dec = params[p] * dscale
                decay[p] = dec
                s += dec
            step[p] = s
            params[p] += s


@register
class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019; PyTorch ``AdamW``).

    The decay bypasses the adaptive scaling: with m_hat, v_hat from dE/dw alone,

        step = -eta / (sqrt(v_hat) + eps) m_hat  -  eta weight_decay w

    The second term is kept in ``state["decay_step"]``.
    """

    name = "adamw"
    defaults = {**Adam.defaults, "weight_decay": 1e-2}
    coupled_weight_decay = False


@register
class Adamax(ElementwiseOptimizer):
    """Adamax: Adam with the infinity norm (Kingma & Ba 2015, sec. 7.1; PyTorch ``Adamax``).

    ::

        g = dE/dw + weight_decay w
        m <- beta1 m + (1 - beta1) g              u <- max(beta2 u, |g| + eps)
        step = -eta / u m_hat,   m_hat = m / (1 - beta1^t)

    State: ``m``, ``u``, ``bias_correction1`` and ``effective_learning_rate`` = eta / u.
    """

    name = "adamax"
    defaults = {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                "weight_decay": 0.0}
    ranges = {"learning_rate": OPEN, "beta1": UNIT_OPEN, "beta2": UNIT_OPEN, "eps": NONNEG,
              "weight_decay": NONNEG}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, m=np.zeros_like(params), u=np.zeros_like(params),
                           effective_learning_rate=np.zeros_like(params), bias_correction1=1.0)

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        eta, s, m, u = state["learning_rate"], state["step"], state["m"], state["u"]
        rate = state["effective_learning_rate"]
        g = self._grad(grad, state, params)
        _first_moment(g, state, self.beta1)
        np.abs(g, out=s)
        s += self.eps
        u *= self.beta2
        np.maximum(u, s, out=u)
        state["bias_correction1"] = bc1 = 1.0 / (1.0 - self.beta1 ** state["t"])
        np.divide(eta, u, out=rate)
        np.multiply(m, rate, out=s)
        s *= -bc1
        return s, state

    kernel_hp = ("beta1", "beta2", "eps", "weight_decay")
    kernel_state = ("g", "m", "u", "effective_learning_rate")
    kernel_scalars = ("bias_correction1",)

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, m, u, rate):
        b1, b2, eps, wd = hp
        eta = sc[1]
        bc1 = 1.0 / (1.0 - math.pow(b1, sc[0]))
        sc[2] = bc1
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            m[p] += (g - m[p]) * (1.0 - b1)
            u[p] = max(u[p] * b2, abs(g) + eps)
            r = eta / u[p]
            rate[p] = r
            s = (m[p] * r) * -bc1
            step[p] = s
            params[p] += s


@register
class NAdam(ElementwiseOptimizer):
    """NAdam: Adam with Nesterov momentum (Dozat 2016; PyTorch ``NAdam``).

    The momentum coefficient warms up, mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)),
    and the step looks one momentum step ahead::

        g = dE/dw + weight_decay w
        m, v as in Adam;  P_t = mu_1 mu_2 ... mu_t;  denom = sqrt(v / (1 - beta2^t)) + eps
        step = -eta (1 - mu_t) / (1 - P_t) g / denom
               - eta mu_{t+1} / (1 - P_t mu_{t+1}) m / denom       (the momentum term)

    Each term is computed as PyTorch computes its two parameter updates.

    State: ``m``, ``v``, ``mu`` (mu_t), ``mu_next``, ``mu_product`` (P_t),
    ``bias_correction2``, ``momentum_step`` (the second term) and
    ``effective_learning_rate`` = eta / denom.
    """

    name = "nadam"
    defaults = {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                "weight_decay": 0.0, "momentum_decay": 4e-3}
    ranges = {"learning_rate": OPEN, "beta1": UNIT_OPEN, "beta2": UNIT_OPEN, "eps": NONNEG,
              "weight_decay": NONNEG, "momentum_decay": NONNEG}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, m=np.zeros_like(params), v=np.zeros_like(params),
                           momentum_step=np.zeros_like(params),
                           effective_learning_rate=np.zeros_like(params), mu=0.0, mu_next=0.0,
                           mu_product=1.0, bias_correction2=1.0)

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        t, b1 = state["t"], self.beta1
        eta, s, rate = state["learning_rate"], state["step"], state["effective_learning_rate"]
        g = self._grad(grad, state, params)
        _moments(g, state, b1, self.beta2)
        bc = 1.0 - self.beta2 ** t
        state["bias_correction2"] = 1.0 / bc
        state["mu"] = mu = b1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))
        state["mu_next"] = mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * self.momentum_decay))
        state["mu_product"] = prod = state["mu_product"] * mu
        c_g = -eta * (1.0 - mu) / (1.0 - prod)
        c_m = (-eta * mu_next) / (1.0 - prod * mu_next)
        np.divide(state["v"], bc, out=rate)
        np.sqrt(rate, out=rate)
        rate += self.eps                            # rate holds denom for now
        ms = state["momentum_step"]
        np.multiply(state["m"], c_m, out=ms)
        ms /= rate
        np.multiply(g, c_g, out=s)
        s /= rate
        s += ms
        np.divide(eta, rate, out=rate)
        return s, state

    kernel_hp = ("beta1", "beta2", "eps", "weight_decay", "momentum_decay")
    kernel_state = ("g", "m", "v", "momentum_step", "effective_learning_rate")
    kernel_scalars = ("bias_correction2", "mu", "mu_next", "mu_product")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, m, v, m_step, rate):
        b1, b2, eps, wd, psi = hp
        t, eta = sc[0], sc[1]
        bc = 1.0 - math.pow(b2, t)
        mu = b1 * (1.0 - 0.5 * math.pow(0.96, t * psi))
        mu_next = b1 * (1.0 - 0.5 * math.pow(0.96, (t + 1) * psi))
        prod = sc[5] * mu
        sc[2], sc[3], sc[4], sc[5] = 1.0 / bc, mu, mu_next, prod
        c_g = -eta * (1.0 - mu) / (1.0 - prod)
        c_m = (-eta * mu_next) / (1.0 - prod * mu_next)
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            m[p] += (g - m[p]) * (1.0 - b1)
            v[p] = v[p] * b2 + (g * g) * (1.0 - b2)
            d = math.sqrt(v[p] / bc) + eps
            ms = (m[p] * c_m) / d
            m_step[p] = ms
            rate[p] = eta / d
            s = (g * c_g) / d + ms
            step[p] = s
            params[p] += s
