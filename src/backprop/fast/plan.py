"""Translate a network, loss and optimizer (with its state dict) into the kernels' arguments.

The kernels take codes, tuples and flat arrays only.  The network's side is
:class:`NetPlan`; the optimizer's side is what the optimizer declares beside
its ``kernel`` (``kernel_hp``, ``kernel_state``, ``kernel_scalars``; see
:mod:`backprop.optim.base`), read here and written back after a run so the
NumPy loop can carry on from the same state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses
from .._errors import ConfigError
from . import codes


def why_not(net: Any, opt: Any, loss: str) -> str | None:
    """Why the fast path cannot run this combination (None when it can)."""
    if getattr(type(opt), "kernel", None) is None:
        return (f"optimizer {getattr(opt, 'name', opt)!r} has no compiled kernel "
                "(it trains on the NumPy path)")
    if net.params.ndim != 1:
        return "the fast path trains one network (params of shape (P,))"
    try:
        lossf = losses.get(loss)
    except ConfigError as err:
        return str(err)
    if lossf.name not in codes.LOSSES:
        return f"loss {lossf.name!r} has no compiled kernel"
    for layer in net.layers:
        if layer.activation.name not in codes.ACTIVATIONS:
            return f"activation {layer.activation.name!r} has no compiled kernel"
    return None


def hyperparameters(opt: Any) -> tuple[float, ...]:
    """The kernel's ``hp``: the attributes named in ``kernel_hp``, as floats (pairs flattened)."""
    out: list[float] = []
    for name in type(opt).kernel_hp:
        value = getattr(opt, name)
        out.extend(float(v) for v in (value if isinstance(value, tuple) else (value,)))
    return tuple(out)


def state_arrays(opt: Any, state: dict, empty: np.ndarray) -> tuple[np.ndarray, ...]:
    """The state arrays named in ``kernel_state`` (``empty`` where the state has none)."""
    return tuple(state.get(key, empty) for key in type(opt).kernel_state)


def scalars_in(opt: Any, state: dict) -> np.ndarray:
    """``sc = [t, learning_rate, *kernel_scalars]``."""
    keys = type(opt).kernel_scalars
    return np.array([state["t"], state["learning_rate"], *(state[k] for k in keys)], np.float64)


def scalars_out(opt: Any, sc: np.ndarray, state: dict) -> None:
    """Write the kernel's scalars back into ``state`` (the learning rate stays the caller's)."""
    state["t"] = int(sc[0])
    for i, key in enumerate(type(opt).kernel_scalars):
        state[key] = float(sc[2 + i])


class NetPlan:
    """Layer table, buffer offsets and work buffers of one network layout (reused across calls)."""

    def __init__(self, net: Any, loss: str):
        sizes = net.layer_sizes
        rows, at = [], 0
        for (n_in, n_out), layer in zip(zip(sizes[:-1], sizes[1:]), net.layers):
            rows.append((at, at + n_in * n_out, n_in, n_out, codes.ACTIVATIONS[layer.activation.name]))
            at += n_in * n_out + n_out
        self.meta = np.array(rows, dtype=np.int64)
        self.yoff = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)  # outputs and deltas
        dtype = net.dtype
        self.ys = np.zeros(int(self.yoff[-1]), dtype)
        self.deltas = np.zeros(int(self.yoff[-1]), dtype)
        self.s_out = np.zeros(sizes[-1], dtype)
        self.grad = np.zeros(net.params.size, dtype)
        lossf = losses.get(loss)
        self.loss = codes.LOSSES[lossf.name]
        self.canonical = net.layers[-1].activation.name == lossf.canonical
        self.tiny = float(np.finfo(dtype).tiny)
        self.empty = np.zeros(0, dtype)
        self._masks: dict[float, np.ndarray] = {}
        self._rows = 0
        self._blocks: tuple = ()
        self.sizes = tuple(sizes)

    def blocks(self, rows: int) -> tuple:
        """Work buffers of ``block.batch_block`` for batches of up to ``rows`` rows (kept)."""
        if rows > self._rows:
            sizes, dtype = self.sizes, self.grad.dtype
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
            mask = net.weight_mask * lam
            self._masks = {lam: mask}
        return mask
