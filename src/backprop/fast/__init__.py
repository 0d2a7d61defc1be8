"""Compiled training epochs (the ``fast`` extra: numba) for small networks.

For small networks trained online or on small batches the cost of an
update is Python's, not arithmetic's: each ``loss_and_grad`` + ``update``
crosses the interpreter dozens of times.  :func:`run_epoch` runs a whole
epoch -- forward, backward, weight decay, clipping and the optimizer's update
for every batch -- in one compiled kernel, and leaves ``net.params`` and the
optimizer's ``state`` dict exactly as the NumPy loop would (to rounding), so
the two paths can be swapped mid-run.

The NumPy code stays the single source of truth: ``Network.loss_and_grad``
and ``Optimizer.update`` define the arithmetic.  Each optimizer's compiled
update is its ``kernel``, written beside ``update`` in ``backprop.optim``
(an optimizer without one trains on the NumPy path); the layers' kernels are
``layers.py`` and ``block.py``.  ``tests/test_fast_path.py`` checks the
kernels against the reference for every optimizer, activation, loss and
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

__all__ = ["available", "supports", "why_not", "worthwhile", "run_epoch", "run_epochs", "EpochResult",
           "run_compiled", "last_gradient"]


_EPOCH: Any = None


def _kernel() -> Any:
    """The epoch kernel module: compiled on first use, else loaded from numba's cache."""
    global _EPOCH
    if _EPOCH is None:
        from . import _jit, epoch
        for fn in (epoch.train, epoch._batch, epoch._end_quiet_epoch):
            _jit.invalidate_stale_cache(fn, "epoch.py", "layers.py", "block.py", "codes.py", "_jit.py")
        _EPOCH = epoch
    return _EPOCH


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

    Covers every activation and loss, and every optimizer with a ``kernel``: sgd (both
    momentum forms, Nesterov, dampening, weight decay), adagrad, rmsprop (centered,
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


_ARANGE: dict[tuple[int, int], np.ndarray] = {}


def _bounds(batches: Any, n_rows: int, check: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(order, bounds)`` from a list of index arrays or ``(permutation, batch_size)``."""
    if isinstance(batches, tuple) and len(batches) == 2 and isinstance(batches[1], (int, np.integer)):
        order = np.ascontiguousarray(batches[0], dtype=np.int64)
        key = (order.size, int(batches[1]))
        bounds = _ARANGE.get(key)
        if bounds is None:
            if key[1] < 1:
                raise ConfigError(f"batch_size must be a positive integer, got {key[1]}")
            if len(_ARANGE) > 16:
                _ARANGE.clear()
            bounds = _ARANGE[key] = np.append(np.arange(0, key[0], key[1], dtype=np.int64), key[0])
    else:
        sizes = [len(b) for b in batches]
        order = np.concatenate(batches).astype(np.int64, copy=False) if sizes else np.zeros(0, np.int64)
        order = np.ascontiguousarray(order)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    if check and order.size and (order.min() < 0 or order.max() >= n_rows):
        raise ConfigError(f"batch indices must lie in [0, {n_rows - 1}]")
    return order, bounds


class _Prepared:
    """Everything constant between calls for one (network, optimizer, loss)."""

    def __init__(self, net: Any, opt: optim.Optimizer, loss: str):
        self.key = (opt, loss, tuple(net.layer_sizes), tuple(net.activations), net.dtype.str)
        self.plan = _plan.NetPlan(net, loss)
        self.kind = _kernel().kind(opt)
        self.hp = _plan.hyperparameters(opt)


_PREPARED: "weakref.WeakKeyDictionary[Any, _Prepared]" = weakref.WeakKeyDictionary()


def _prepare(net: Any, opt: Any, loss: str, state: dict) -> tuple[optim.Optimizer, _Prepared]:
    p = _PREPARED.get(net)
    if p is None or p.key[0] is not opt or p.key[1] != loss or p.key[2:] != (
            tuple(net.layer_sizes), tuple(net.activations), net.dtype.str):
        opt = optim.get(opt)
        reason = why_not(net, opt, loss, state)
        if reason is not None:
            raise ConfigError(f"fast path unavailable: {reason}")
        p = _PREPARED[net] = _Prepared(net, opt, loss)
    elif not isinstance(state["learning_rate"], float) and np.ndim(state["learning_rate"]) != 0:
        raise ConfigError("fast path unavailable: the fast path needs one scalar learning rate")
    return p.key[0], p


def run_epochs(net: Any, optimizer: optim.Optimizer, state: dict, X: np.ndarray, T: np.ndarray,
               epochs: Sequence[Any], *, loss: str = "squared_error", reduction: str = "mean",
               sample_weight: np.ndarray | None = None,
               weight_decay: float | np.ndarray | None = 0.0, grad_clip: float | None = None,
               learning_rates: np.ndarray | None = None, check: bool = True) -> list[EpochResult]:
    """Run several epochs in one compiled call; ``epochs[e]`` is epoch e's batches.

    Each entry is a list of index arrays (as ``training.batching.epoch_batches``
    returns) or a pair ``(permutation, batch_size)``; or ``epochs`` is one pair
    ``(permutations, batch_size)`` with one permutation per row.  Stops after an epoch in
    which training diverged.  ``learning_rates`` (one per batch, all epochs
    concatenated) overrides ``state["learning_rate"]`` for per-iteration
    schedules.  See :func:`run_epoch` for the other arguments.
    """
    ran, stats = run_compiled(net, optimizer, state, X, T, epochs, loss=loss, reduction=reduction,
                              sample_weight=sample_weight, weight_decay=weight_decay,
                              grad_clip=grad_clip, learning_rates=learning_rates, check=check)
    out = []
    for e in range(ran):
        s, share, pen, k, n = stats[e].tolist()
        loss_e = (s / share if reduction == "mean" else s) + pen / max(k, 1.0)  # as the trainer's
        out.append(EpochResult(loss_e, int(n), n < k or not math.isfinite(loss_e), s, share, pen,
                               int(k)))
    return out


def run_compiled(net: Any, optimizer: optim.Optimizer, state: dict, X: np.ndarray, T: np.ndarray,
                 epochs: Sequence[Any], *, loss: str, reduction: str,
                 sample_weight: np.ndarray | None, weight_decay: float | np.ndarray | None,
                 grad_clip: float | None, learning_rates: np.ndarray | None, check: bool,
                 watch: np.ndarray | None = None,
                 best: np.ndarray | None = None) -> tuple[int, np.ndarray]:
    """:func:`run_epochs` returning the raw ``(epochs run, stats)``: ``stats[e] = (loss sum,
    weight sum, penalty sum, batches, updates)``; ``watch``/``best``: see ``epoch.py`` (the
    trainer's several-epoch calls)."""
    opt, prep = _prepare(net, optimizer, loss, state)
    p = prep.plan
    if reduction not in ("sum", "mean"):
        check_choice("reduction", reduction, ("sum", "mean"))
    kernel = _kernel()
    if check:
        X = net._check_X(X)
        T = net._check_T(T, X.shape[0])
        sw = p.empty if sample_weight is None else net._sample_scale(sample_weight, X.shape[0], "sum")
    else:
        sw = p.empty if sample_weight is None else sample_weight
    if isinstance(epochs, tuple) and np.ndim(epochs[0]) == 2:   # (permutations (E, n), B)
        order, bounds = _bounds((epochs[0].ravel(), epochs[1]), X.shape[0], check)
        E, n = np.shape(epochs[0])
        k = -(-n // epochs[1])
        bounds = (np.arange(k, dtype=np.int64) * epochs[1] + np.arange(E)[:, None] * n).ravel()
        bounds, ends = np.append(bounds, E * n), np.arange(1, E + 1, dtype=np.int64) * k
    elif len(epochs) == 1:
        order, bounds = _bounds(epochs[0], X.shape[0], check)
        ends = np.array([bounds.size - 1], np.int64)
    else:
        parts = [_bounds(b, X.shape[0], check) for b in epochs]
        order = np.concatenate([o for o, _ in parts]) if parts else np.zeros(0, np.int64)
        bl, at, nb, ends = [np.zeros(1, np.int64)], 0, 0, []
        for o, b in parts:
            bl.append(b[1:] + at)
            at += o.size
            nb += b.size - 1
            ends.append(nb)
        bounds, ends = np.concatenate(bl), np.array(ends, np.int64)
    rates = _NO_RATES if learning_rates is None else np.ascontiguousarray(learning_rates, np.float64)
    if rates.size and rates.size != bounds.size - 1:
        raise ConfigError(f"learning_rates needs one rate per batch ({bounds.size - 1}), got {rates.size}")
    sc = _plan.scalars_in(opt, state)
    stats = np.zeros((ends.size, 5))
    train = kernel.train if prep.kind.cached else kernel.train_uncached
    ran = train(prep.kind, net.params, p.meta, p.yoff, p.loss, p.canonical, p.tiny, X, T, sw,
                       order, bounds, ends, reduction == "mean", p.weight_mask(net, weight_decay),
                       float(grad_clip or 0.0), rates, prep.hp, sc, state["step"],
                       _plan.state_arrays(opt, state, p.empty), p.ys, p.s_out, p.deltas, p.grad,
                       p.blocks(int(np.max(np.diff(bounds))) if bounds.size > 1 else 1), stats,
                       _NO_RATES if watch is None else watch, p.empty if best is None else best)
    _plan.scalars_out(opt, sc, state)
    if rates.size:
        state["learning_rate"] = float(sc[1])
    return ran, stats


_NO_RATES = np.zeros(0)


def last_gradient(net: Any) -> np.ndarray:
    """The gradient of the last batch the kernel trained ``net`` on (its own buffer)."""
    return _PREPARED[net].plan.grad


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
