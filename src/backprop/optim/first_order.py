"""First-order optimizers, in order of increasing complexity.

Each is a few lines of vector arithmetic on the flat parameter vector; the
update rule sits in its docstring.  ``g`` is dE/dw, ``eta`` the learning
rate, ``t`` the update count (starting at 1).
"""

from __future__ import annotations

import numpy as np

from .base import Optimizer, State, register


@register
class SGD(Optimizer):
    """Gradient descent, optionally with momentum (Rumelhart et al. 1986; PyTorch ``SGD``).

    Plain:                 step = -eta g
    Momentum (torch form): g' = g + weight_decay w;  b <- momentum b + (1 - dampening) g'
                           (b = g' at t = 1);  d = g' + momentum b if nesterov else b
                           step = -eta d
    With a constant learning rate and no dampening this equals the lecture's
    form dw <- a dw - eta g (dw = -eta b); they differ when eta changes over
    time, because the lecture's buffer stores steps (eta inside) and torch's
    stores gradients (eta applied afterwards).  ``lecture_form=True`` selects
    the lecture's: dw <- momentum dw - eta g'; step = dw (nesterov:
    step = momentum dw - eta g').
    """

    name = "sgd"
    defaults = {"learning_rate": 0.01, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
                "weight_decay": 0.0, "lecture_form": False}
    ranges = {"learning_rate": (0.0, None, True), "momentum": (0.0, 1.0),
              "dampening": (0.0, 1.0), "weight_decay": (0.0, None)}

    def _check(self) -> None:
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            from .._errors import ConfigError
            raise ConfigError("sgd: nesterov momentum requires momentum > 0 and dampening = 0")

    def init(self, params: np.ndarray) -> State:
        return self._state(params, momentum_buffer=np.zeros_like(params))

    def update(self, grad, state, params, oracle=None):
        state["t"] += 1
        eta, a, step = state["learning_rate"], self.momentum, state["step"]
        g = grad + self.weight_decay * params if self.weight_decay else grad
        if a == 0:
            np.multiply(g, -eta, out=step)
            return step, state
        buf = state["momentum_buffer"]
        if self.lecture_form:  # buffer holds the last step dw
            buf *= a
            buf -= eta * g
            if self.nesterov:
                np.multiply(buf, a, out=step)
                step -= eta * g
            else:
                step[...] = buf
            return step, state
        if state["t"] == 1:
            buf[...] = g
        else:
            buf *= a
            buf += (1.0 - self.dampening) * g
        if self.nesterov:
            np.multiply(buf, a, out=step)
            step += g
        else:
            step[...] = buf
        step *= -eta
        return step, state
