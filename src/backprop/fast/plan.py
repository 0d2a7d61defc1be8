"""Translate a network, loss and optimizer (with its state dict) into the kernels' arrays.

The kernels take codes and flat arrays only; this module is the one place
that knows how the reference objects map onto them, and it writes the
scalar state back after a run so the NumPy loop can carry on from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations, losses
from .._errors import ConfigError
from ..optim import adam, first_order, local
from . import codes as K
from . import codes as O

ACTIVATIONS = {"identity": K.IDENTITY, "sigmoid": K.SIGMOID, "tanh": K.TANH, "relu": K.RELU,
               "step": K.STEP, "softmax": K.SOFTMAX}
LOSSES = {"squared_error": K.SQUARED_ERROR, "binary_cross_entropy": K.BINARY_CROSS_ENTROPY,
          "cross_entropy": K.CROSS_ENTROPY}

# optimizer class -> (code, state keys for A0..A3, scalar state keys written back)
OPTIMIZERS: dict[type, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    first_order.SGD: (O.SGD, ("momentum_buffer",), ()),
    first_order.Adagrad: (O.ADAGRAD, ("sum_sq",), ()),
    first_order.RMSprop: (O.RMSPROP, ("v", "grad_avg", "momentum_buffer"), ()),
    adam.Adam: (O.ADAM, ("m", "v", "v_max", "decay_step"), ("bias_correction1", "bias_correction2")),
    adam.AdamW: (O.ADAM, ("m", "v", "v_max", "decay_step"), ("bias_correction1", "bias_correction2")),
    adam.Adamax: (O.ADAMAX, ("m", "u"), ("bias_correction1",)),
    adam.NAdam: (O.NADAM, ("m", "v"), ("bias_correction2", "mu", "mu_next", "mu_product")),
    local.Rprop: (O.RPROP, ("step_size", "prev_grad"), ()),
    local.Quickprop: (O.QUICKPROP, ("prev_grad", "prev_step"), ()),
}
SCALARS = ("t", "learning_rate", "bias_correction1", "bias_correction2", "mu", "mu_next",
           "mu_product")


def hyperparameters(opt: Any) -> np.ndarray:
    """The ``hp`` vector of ``optimizers.py`` for ``opt``."""
    h = opt.hyperparameters
    code = OPTIMIZERS[type(opt)][0]
    if code == O.SGD:
        v = [h["momentum"], h["dampening"], h["nesterov"], h["weight_decay"], h["lecture_form"]]
    elif code == O.ADAGRAD:
        v = [h["lr_decay"], h["weight_decay"], h["eps"]]
    elif code == O.RMSPROP:
        v = [h["rho"], h["eps"], h["weight_decay"], h["momentum"], h["centered"]]
    elif code == O.ADAM:
        v = [h["beta1"], h["beta2"], h["eps"], h["weight_decay"], h["amsgrad"],
             not opt.coupled_weight_decay]
    elif code == O.ADAMAX:
        v = [h["beta1"], h["beta2"], h["eps"], h["weight_decay"]]
    elif code == O.NADAM:
        v = [h["beta1"], h["beta2"], h["eps"], h["weight_decay"], h["momentum_decay"]]
    elif code == O.RPROP:
        v = [*opt.etas, *opt.step_sizes]
    else:
        v = [h["mu"], h["weight_decay"], h["eps"]]
    return np.array(v, dtype=np.float64)


def why_not(net: Any, opt: Any, loss: str) -> str | None:
    """Why the fast path cannot run this combination (None when it can)."""
    if type(opt) not in OPTIMIZERS:
        return f"optimizer {getattr(opt, 'name', opt)!r} has no compiled kernel"
    if net.params.ndim != 1:
        return "the fast path trains one network (params of shape (P,))"
    try:
        lossf = losses.get(loss)
    except ConfigError as err:
        return str(err)
    if lossf.name not in LOSSES:
        return f"loss {lossf.name!r} has no compiled kernel"
    for layer in net.layers:
        if layer.activation.name not in ACTIVATIONS:
            return f"activation {layer.activation.name!r} has no compiled kernel"
    return None


class NetPlan:
    """Layer table, buffer offsets and work buffers of one network layout (reused across calls)."""

    def __init__(self, net: Any, loss: str):
        sizes = net.layer_sizes
        rows, at = [], 0
        for (n_in, n_out), layer in zip(zip(sizes[:-1], sizes[1:]), net.layers):
            rows.append((at, at + n_in * n_out, n_in, n_out, ACTIVATIONS[layer.activation.name]))
            at += n_in * n_out + n_out
        self.meta = np.array(rows, dtype=np.int64)
        self.yoff = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.doff = self.yoff.copy()
        dtype = net.dtype
        self.ys = np.zeros(int(self.yoff[-1]), dtype)
        self.deltas = np.zeros(int(self.yoff[-1]), dtype)
        self.s_out = np.zeros(sizes[-1], dtype)
        self.grad = np.zeros(net.params.size, dtype)
        lossf = losses.get(loss)
        self.loss = LOSSES[lossf.name]
        self.canonical = net.layers[-1].activation.name == lossf.canonical
        self.tiny = float(np.finfo(dtype).tiny)
        self.empty = np.zeros(0, dtype)
        self._masks: dict[float, np.ndarray] = {}
        self._rows = 0
        self._blocks: tuple = ()
        self.net_layout = (tuple(sizes), tuple(net.activations), dtype.str, lossf.name)

    def blocks(self, rows: int) -> tuple:
        """Work buffers of ``block.batch_block`` for batches of up to ``rows`` rows (kept)."""
        if rows > self._rows:
            sizes, dtype = self.net_layout[0], self.grad.dtype
            self._rows = max(rows, 2)
            widest = max(sizes[1:])
            self._blocks = (np.zeros(self._rows * int(self.yoff[-1]), dtype),
                            np.zeros(self._rows * int(self.yoff[-1]), dtype),
                            np.zeros(self._rows * sizes[-1], dtype),
                            np.zeros(self._rows * widest), np.zeros(self._rows * widest, np.int64))
        return self._blocks

    def weight_mask(self, net: Any, weight_decay: float | np.ndarray | None) -> np.ndarray:
        """lambda on every weight, 0 on the biases (the trainer's coupled L2), or a given vector."""
        if not isinstance(weight_decay, np.ndarray) and not weight_decay:
            return self.empty
        if np.ndim(weight_decay) > 0:
            return np.ascontiguousarray(weight_decay, dtype=net.dtype)
        lam = float(weight_decay)
        mask = self._masks.get(lam)
        if mask is None:
            from ..training.setup import decay_mask
            mask = decay_mask(net, lam)
            self._masks = {lam: mask}
        return mask


def check_activations() -> None:
    """Every registered activation/loss has a code (a guard for new registrations)."""
    missing = set(activations.available()) - set(ACTIVATIONS)
    missing |= set(losses.available()) - set(LOSSES)
    if missing:  # pragma: no cover - fails only when the registry grows
        raise ConfigError(f"no compiled kernel for {sorted(missing)}")


def state_arrays(opt: Any, state: dict, empty: np.ndarray) -> tuple:
    """``(step, g, effective_learning_rate, A0, A1, A2, A3)`` from the state dict (``empty`` if absent)."""
    keys = OPTIMIZERS[type(opt)][1]
    arrs = [state.get(k, empty) for k in keys] + [empty] * (4 - len(keys))
    return (state["step"], state.get("g", empty), state.get("effective_learning_rate", empty), *arrs)


def scalars_in(state: dict) -> np.ndarray:
    return np.array([state.get(k, 1.0 if k == "mu_product" else 0.0) for k in SCALARS])


def scalars_out(opt: Any, sc: np.ndarray, state: dict) -> None:
    state["t"] = int(sc[0])
    for key in OPTIMIZERS[type(opt)][2]:
        state[key] = float(sc[SCALARS.index(key)])
