"""Per-weight rules that look at the last step: ``rprop`` (signs) and ``quickprop`` (secants).

Both are batch methods at heart: they compare this gradient with the last
one, which mini-batch noise blurs.  Notation as in
:mod:`backprop.optim.first_order`.  Their only temporaries are boolean
masks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ConfigError
from .base import NONNEG, OPEN, ElementwiseOptimizer, State, register

__all__ = ["Rprop", "Quickprop"]


@register
class Rprop(ElementwiseOptimizer):
    """Rprop: per-weight step sizes driven by gradient signs (Riedmiller & Braun 1993).

    PyTorch's ``Rprop`` variant (Rprop without weight backtracking, as iRprop-)::

        c = g * g_prev                            (g_prev = 0 at t = 1)
        Delta <- Delta * eta_plus   where c > 0,   Delta * eta_minus   where c < 0
        Delta <- clip(Delta, step_size_min, step_size_max)      (every weight, Delta_0 too)
        g <- 0 where c < 0                        (no move now; no sign test next time)
        step = -sign(g) Delta;  g_prev <- g

    ``etas = (eta_minus, eta_plus)``, ``step_sizes = (step_size_min,
    step_size_max)``; the learning rate is only the initial step size
    Delta_0 (taken from ``state["learning_rate"]`` at the first update, so a
    schedule changes nothing afterwards).

    State: ``step_size`` (Delta) and ``prev_grad`` (g_prev as modified).
    """

    name = "rprop"
    defaults = {"learning_rate": 0.01, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0)}
    ranges = {"learning_rate": OPEN}              # the pairs are checked in _check

    def _check(self) -> None:
        for key, valid, ok in (
                ("etas", "(eta_minus, eta_plus) with 0 < eta_minus < 1 < eta_plus",
                 lambda lo, hi: 0.0 < lo < 1.0 < hi),
                ("step_sizes", "(step_size_min, step_size_max) with 0 <= min <= max",
                 lambda lo, hi: 0.0 <= lo <= hi)):
            value = self.hyperparameters[key]
            try:
                lo, hi = (float(v) for v in value)
                good = ok(lo, hi)
            except (TypeError, ValueError):
                good = False
            if not good:
                raise ConfigError(f"rprop: {key}={value!r} is out of range; valid: a pair {valid}")
            setattr(self, key, (lo, hi))

    def init(self, params: np.ndarray) -> State:
        return self._state(params, step_size=np.zeros_like(params), prev_grad=np.zeros_like(params))

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        s, delta, prev = state["step"], state["step_size"], state["prev_grad"]
        (eta_minus, eta_plus), (lo, hi) = self.etas, self.step_sizes
        if state["t"] == 1:
            np.copyto(delta, state["learning_rate"])
        np.multiply(grad, prev, out=s)
        grow, shrink = s > 0, s < 0
        np.multiply(delta, eta_plus, out=delta, where=grow)
        np.multiply(delta, eta_minus, out=delta, where=shrink)
        np.clip(delta, lo, hi, out=delta)
        np.copyto(prev, grad)
        np.copyto(prev, 0.0, where=shrink)
        np.sign(prev, out=s)
        s *= delta
        np.negative(s, out=s)
        return s, state

    kernel_hp = ("etas", "step_sizes")
    kernel_state = ("step_size", "prev_grad")

    @staticmethod
    def kernel(hp, sc, grad, params, step, delta, prev):
        eta_minus, eta_plus, lo, hi = hp
        first = sc[0] == 1
        for p in range(params.shape[0]):
            g = grad[p]
            if first:
                delta[p] = sc[1]
            c = g * prev[p]
            d = delta[p]
            if c > 0:
                d = d * eta_plus
            elif c < 0:
                d = d * eta_minus
            d = min(max(d, lo), hi)
            delta[p] = d
            gp = 0.0 if c < 0 else g
            prev[p] = gp
            sign = 1.0 if gp > 0 else (-1.0 if gp < 0 else gp)
            s = -(sign * d)
            step[p] = s
            params[p] += s


@register
class Quickprop(ElementwiseOptimizer):
    """Quickprop: jump to the minimum of a parabola through two slopes (Fahlman 1988).

    FANN's form (``fann_update_weights_quickprop``), written with gradients
    g = dE/dw + weight_decay w (FANN's slopes are -g) and the last step dw::

        |dw| <= eps:   step = -eta g                           (no last step: plain descent)
        otherwise:     step = [-eta g  if g dw < 0]            (still downhill: linear term)
                            + mu dw                  if dw (mu/(1+mu) g_prev - g) > 0
                              dw g / (g_prev - g)    otherwise (the parabola's minimum)

    ``mu`` is the maximum growth factor: a step is at most mu times the
    last one.  One deviation from FANN: the parabola term is clipped to
    ``mu |dw|`` (Fahlman's stated bound; it changes nothing in the usual
    case, only when the last step went uphill) and is 0 where g = g_prev
    (FANN divides by zero there; the next update then starts afresh with a
    plain gradient step).  FANN also
    divides the learning rate by the number of samples; here the loss's
    ``reduction`` decides.  Defaults are FANN's (its ``quickprop_decay`` is
    -weight_decay).  Meant for full-batch training.

    State: ``prev_grad`` (g_prev) and ``prev_step`` (dw).
    """

    name = "quickprop"
    defaults = {"learning_rate": 0.7, "mu": 1.75, "weight_decay": 1e-4, "eps": 1e-3}
    ranges = {"learning_rate": OPEN, "mu": OPEN, "weight_decay": NONNEG, "eps": NONNEG}

    def init(self, params: np.ndarray) -> State:
        return self._state(params, prev_grad=np.zeros_like(params), prev_step=np.zeros_like(params))

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        state["t"] += 1
        eta, mu, s = state["learning_rate"], self.mu, state["step"]
        dw, g_prev = state["prev_step"], state["prev_grad"]
        g = self._grad(grad, state, params)
        still = np.abs(dw, out=s) <= self.eps
        np.multiply(g, dw, out=s)
        linear = s < 0
        linear |= still
        np.multiply(g_prev, mu / (1.0 + mu), out=s)
        s -= g
        s *= dw
        biggest = s > 0
        np.subtract(g_prev, g, out=s)
        flat = s == 0                             # no change in slope: no parabola step
        np.divide(g, s, out=s, where=~flat)
        np.copyto(s, 0.0, where=flat)
        np.clip(s, -mu, mu, out=s)
        s *= dw                                   # the parabola's step
        np.multiply(dw, mu, out=s, where=biggest)
        np.copyto(s, 0.0, where=still)
        np.multiply(g, -eta, out=dw)              # dw is free now: the linear term
        np.add(s, dw, out=s, where=linear)
        np.copyto(dw, s)
        np.copyto(g_prev, g)
        return s, state

    kernel_hp = ("mu", "weight_decay", "eps")
    kernel_state = ("g", "prev_grad", "prev_step")

    @staticmethod
    def kernel(hp, sc, grad, params, step, g_out, g_prev, dw_prev):
        mu, wd, eps = hp
        eta = sc[1]
        shrink = mu / (1.0 + mu)
        for p in range(params.shape[0]):
            g = params[p] * wd + grad[p] if wd != 0.0 else grad[p]
            if wd != 0.0:
                g_out[p] = g
            dw, gprev = dw_prev[p], g_prev[p]
            still = abs(dw) <= eps
            linear = g * dw < 0 or still
            biggest = (gprev * shrink - g) * dw > 0
            diff = gprev - g
            q = 0.0 if diff == 0 else g / diff
            s = min(max(q, -mu), mu) * dw
            if biggest:
                s = dw * mu
            if still:
                s = 0.0
            if linear:
                s = s + g * -eta
            dw_prev[p] = s
            g_prev[p] = g
            step[p] = s
            params[p] += s
