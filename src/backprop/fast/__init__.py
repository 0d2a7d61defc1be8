"""Compiled training epochs (the ``fast`` extra: numba) for small networks.

For small networks trained online or on small batches the cost of an
update is Python's, not arithmetic's: each ``loss_and_grad`` + ``update``
crosses the interpreter dozens of times.  :func:`run_epoch` runs a whole
epoch -- forward, backward, weight decay, clipping and the optimizer's update
for every batch -- in one compiled kernel, and leaves ``net.params`` and the
optimizer's ``state`` dict exactly as the NumPy loop would (to rounding), so
the two paths can be swapped mid-run.

The NumPy code stays the single source of truth: ``Network.loss_and_grad``
and ``Optimizer.update`` define the arithmetic, and ``tests/test_fast_path.py``
checks the kernels against them for every optimizer, activation, loss and
regime (float64 to 1e-12).

    >>> from backprop import fast
    >>> fast.available()                     # numba importable?          # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .. import optim
from .._errors import ConfigError, check_choice
from . import plan as _plan
from ._jit import HAVE_NUMBA

__all__ = ["available", "supports", "why_not", "worthwhile", "run_epoch", "run_epochs", "EpochResult"]

_PLANS: "weakref.WeakKeyDictionary[Any, _plan.NetPlan]" = weakref.WeakKeyDictionary()


def _kernel() -> Any:
    """The epoch kernel module: compiled on first use, else loaded from numba's cache."""
    from . import _jit, epoch
    _jit.invalidate_stale_cache(epoch.train, "epoch.py", "layers.py", "optimizers.py")
    return epoch


def available() -> bool:
    """True when numba is installed, so the compiled kernels can run."""
    return HAVE_NUMBA


def why_not(net: Any, optimizer: Any, loss: str = "squared_error",
            state: dict | None = None) -> str | None:
    """The reason the fast path cannot train this combination, or None when it can."""
    if not HAVE_NUMBA:
        return "numba is not installed (pip install 'backprop-mlp[fast]')"
    reason = _plan.why_not(net, optim.get(optimizer), loss)
    if reason is None and state is not None and np.ndim(state.get("learning_rate", 0.0)) != 0:
        reason = "the fast path needs one scalar learning rate"
    return reason


def supports(net: Any, optimizer: Any, loss: str = "squared_error", state: dict | None = None) -> bool:
    """Whether :func:`run_epoch` can train ``net`` with ``optimizer`` and ``loss``.

    Covers every activation and loss, and the optimizers sgd (both momentum
    forms, Nesterov, dampening, weight decay), adagrad, rmsprop (centered,
    momentum), adam (amsgrad), adamw, adamax, nadam, rprop and quickprop.
    """
    return why_not(net, optimizer, loss, state) is None


def worthwhile(net: Any, batch_size: int) -> bool:
    """Whether the kernel is likely faster than NumPy + BLAS (the trainer's ``engine="auto"``).

    The kernel loops sample by sample; BLAS wins once a batch's matrix
    products are large.  Rule of thumb from ``benchmarks/run.py``: multiply-adds per
    batch below ~4 million.
    """
    return net.params.size * max(int(batch_size), 1) <= 4_000_000


@dataclass
class EpochResult:
    """What one epoch did: its training loss as the trainer reports it, and the sums behind it.

    ``loss`` = (loss_sum / weight_sum for ``"mean"``, else loss_sum) + penalty_sum / batches.
    ``iterations`` counts the updates made; ``diverged`` is True when a batch's
    loss or penalty was not finite (that batch is counted but not applied,
    and the epoch stops there).
    """

    loss: float
    iterations: int
    diverged: bool
    loss_sum: float
    weight_sum: float
    penalty_sum: float
    batches: int


def _bounds(batches: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(order, bounds)`` from a list of index arrays or ``(permutation, batch_size)``."""
    if isinstance(batches, tuple) and len(batches) == 2 and np.ndim(batches[1]) == 0:
        order = np.ascontiguousarray(batches[0], dtype=np.int64)
        B = int(batches[1])
        if B < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {B}")
        bounds = np.append(np.arange(0, order.size, B, dtype=np.int64), order.size)
        return order, bounds
    sizes = [len(b) for b in batches]
    order = np.concatenate(batches).astype(np.int64, copy=False) if sizes else np.zeros(0, np.int64)
    return np.ascontiguousarray(order), np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def run_epochs(net: Any, optimizer: optim.Optimizer, state: dict, X: np.ndarray, T: np.ndarray,
               epochs: Sequence[Any], *, loss: str = "squared_error", reduction: str = "mean",
               sample_weight: np.ndarray | None = None,
               weight_decay: float | np.ndarray | None = 0.0, grad_clip: float | None = None,
               learning_rates: np.ndarray | None = None, check: bool = True) -> list[EpochResult]:
    """Run several epochs in one compiled call; ``epochs[e]`` is epoch e's batches.

    Each entry is a list of index arrays (as ``training.batching.epoch_batches``
    returns) or a pair ``(permutation, batch_size)``.  Stops after an epoch in
    which training diverged.  ``learning_rates`` (one per batch, all epochs
    concatenated) overrides ``state["learning_rate"]`` for per-iteration
    schedules.  See :func:`run_epoch` for the other arguments.
    """
    opt = optim.get(optimizer)
    reason = why_not(net, opt, loss, state)
    if reason is not None:
        raise ConfigError(f"fast path unavailable: {reason}")
    check_choice("reduction", reduction, ("sum", "mean"))
    _epoch = _kernel()

    p = _PLANS.get(net)
    if p is None or p.net_layout != (tuple(net.layer_sizes), tuple(net.activations), net.dtype.str,
                                     _plan.losses.get(loss).name):
        p = _PLANS[net] = _plan.NetPlan(net, loss)
    if check:
        X = net._check_X(X)
        T = net._check_T(T, X.shape[0])
        sw = p.empty if sample_weight is None else net._sample_scale(sample_weight, X.shape[0], "sum")
    else:
        sw = p.empty if sample_weight is None else sample_weight
    parts = [_bounds(b) for b in epochs]
    order = np.concatenate([o for o, _ in parts]) if parts else np.zeros(0, np.int64)
    bounds, ends, at, nb = [np.zeros(1, np.int64)], [], 0, 0
    for o, b in parts:
        if o.size and (o.min() < 0 or o.max() >= X.shape[0]):
            raise ConfigError(f"batch indices must lie in [0, {X.shape[0] - 1}]")
        bounds.append(b[1:] + at)
        at += o.size
        nb += b.size - 1
        ends.append(nb)
    bounds = np.concatenate(bounds)
    rates = np.zeros(0) if learning_rates is None else np.ascontiguousarray(learning_rates, np.float64)
    if rates.size and rates.size != nb:
        raise ConfigError(f"learning_rates needs one rate per batch ({nb}), got {rates.size}")
    sc = _plan.scalars_in(state)
    stats = np.zeros((len(ends), 5))
    arrays = _plan.state_arrays(opt, state, p.empty)
    ran = _epoch.train(net.params, p.meta, p.yoff, p.doff, p.loss, p.canonical, p.tiny, X, T, sw,
                       order, bounds, np.array(ends, np.int64), reduction == "mean",
                       p.weight_mask(net, weight_decay), float(grad_clip or 0.0), rates,
                       _plan.OPTIMIZERS[type(opt)][0], _plan.hyperparameters(opt), sc, *arrays,
                       p.ys, p.s_out, p.deltas, p.grad, stats)
    _plan.scalars_out(opt, sc, state)
    if rates.size:
        state["learning_rate"] = float(sc[1])
    out = []
    for e in range(ran):
        s, share, pen, k, n = stats[e]
        loss_e = (s / share if reduction == "mean" else s) + pen / max(k, 1)
        diverged = n < k or not math.isfinite(loss_e)
        out.append(EpochResult(float(loss_e), int(n), bool(diverged), float(s), float(share),
                               float(pen), int(k)))
    return out


def run_epoch(net: Any, optimizer: optim.Optimizer, state: dict, X: np.ndarray, T: np.ndarray,
              batches: Any, *, loss: str = "squared_error", reduction: str = "mean",
              sample_weight: np.ndarray | None = None, weight_decay: float | np.ndarray | None = 0.0,
              grad_clip: float | None = None, learning_rates: np.ndarray | None = None,
              check: bool = True) -> EpochResult:
    """One epoch of training, compiled; updates ``net.params`` and ``state`` in place.

    Per batch, as the trainer's loop: ``E, g = net.loss_and_grad(X_b, T_b, loss,
    reduction, w_b)``; ``g += weight_decay * W`` (weights only; a vector gives
    the per-parameter factor); ``g *= grad_clip / ||g||`` when longer; then
    ``step, state = optimizer.update(g, state, params)``; ``params += step``.

    ``batches`` is a list of index arrays (``epoch_batches``) or
    ``(permutation, batch_size)``.  ``check=False`` skips converting and
    validating ``X``, ``T`` (then already 2-D, C-contiguous, in ``net.dtype``)
    and ``sample_weight``.
    """
    return run_epochs(net, optimizer, state, X, T, [batches], loss=loss, reduction=reduction,
                      sample_weight=sample_weight, weight_decay=weight_decay, grad_clip=grad_clip,
                      learning_rates=learning_rates, check=check)[0]
