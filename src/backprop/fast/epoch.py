"""The compiled training loop: epochs of iterations, each forward, backward and update.

One iteration on the batch ``order[bounds[i]:bounds[i + 1]]`` is the trainer's
(``backprop.training.trainer``) iteration, written in loops:

    E, g  = loss and dE/dparams on the batch     (scaled by 1/n or w/sum(w) for "mean")
    g    += lambda * w  (weights only; penalty lambda/2 ||W||^2)
    g    *= c / ||g||  if ||g|| > c               (gradient clipping)
    t    += 1;  params += rule(g, state)           (the optimizer's ``kernel``)

The rule is the optimizer's own ``kernel`` (written beside its ``update`` in
``backprop.optim``).  :func:`kind` wraps its name in a :class:`Kind`, whose
numba type carries the name, so ``train`` is compiled once per optimizer
kernel -- each such loop kept in numba's on-disk cache like the rest of
this module -- and dispatched on the type like any other argument.

Epoch e runs batches ``epoch_ends[e-1]:epoch_ends[e]`` and writes
``stats[e] = (sum of E (times the batch weight for "mean"), sum of batch
weights, sum of penalties, batches counted, updates made)``.  A batch whose
E or penalty is not finite is counted but not applied, and the loop stops
there (the trainer's divergence rule); the number of epochs run is returned.

With ``watch`` (the trainer running several epochs in one call, when nothing
observes them one by one) the end of every epoch but the call's last does
what the trainer's ``end_epoch`` does for one network: it stops the call
after an epoch that diverged (non-finite loss or weights, or a loss above
explode x max(best training loss, baseline loss)), else it updates the best
training loss, the patience count, the best loss and epoch and copies the
weights into ``best`` when the loss improved.  ``watch = (explode,
baseline, best_train, best_loss, best_epoch, wait, min_delta, largest
finite number of the dtype, epochs completed before the call)``.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import sys

from numba import types
from numba.extending import (NativeValue, models, overload, register_model, typeof_impl,
                             unbox)

from ._jit import njit
from .block import batch_block
from .layers import backward, batch_weight, forward, output_delta, row_scale


class KindType(types.Dummy):
    """numba's type of a :class:`Kind`: one type per kernel name, so one compiled loop each."""

    def __init__(self, name: str):
        self.kernel_name = name
        super().__init__(f"Kind({name})")


class Kind:
    """The name of one optimizer kernel, as an argument of ``train`` (see :func:`kind`).

    ``cached``: the kernel's module can be imported again by a later process, so its loop may
    be kept in numba's on-disk cache (code run by ``exec`` or from ``__main__`` cannot).
    """

    __slots__ = ("name", "cached", "numba_type")

    def __init__(self, name: str, cached: bool = True):
        self.name, self.cached, self.numba_type = name, cached, KindType(name)


typeof_impl.register(Kind)(lambda val, c: val.numba_type)   # made once: typeof is per call
register_model(KindType)(models.OpaqueModel)


@unbox(KindType)
def _unbox_kind(typ, obj, c):
    return NativeValue(c.context.get_dummy_value())


_KINDS: dict[type, Kind] = {}


def kind(opt) -> Kind:
    """The :class:`Kind` under which ``train`` runs ``opt``'s kernel: its defining class and a
    hash of the kernel's source (an edited kernel is a new kind: no stale cache entry serves it)."""
    owner = next(c for c in type(opt).__mro__ if "kernel" in c.__dict__)
    k = _KINDS.get(owner)
    if k is None:
        try:
            source = inspect.getsource(owner.kernel).encode()
        except (OSError, TypeError):  # pragma: no cover - no source file
            source = owner.kernel.__code__.co_code
        module = sys.modules.get(owner.__module__)
        cached = owner.__module__ != "__main__" and getattr(module, "__file__", None) is not None
        k = Kind(f"{owner.__module__}.{owner.__qualname__}:{hashlib.sha256(source).hexdigest()[:16]}",
                 cached)
        _select(k.name, njit(owner.kernel))
        _KINDS[owner] = k
    return k


def update(kind, hp, sc, grad, params, step, arrays):
    """Stands for the optimizer kernel of ``kind`` inside ``train`` (see :func:`_select`)."""
    raise NotImplementedError("only callable from compiled code")


def _select(name: str, kernel) -> None:
    """Make ``update(kind, ...)`` in compiled code call ``kernel(hp, sc, ..., *arrays)``."""
    @overload(update)
    def _update(kind, hp, sc, grad, params, step, arrays):
        if isinstance(kind, KindType) and kind.kernel_name == name:
            def run(kind, hp, sc, grad, params, step, arrays):
                kernel(hp, sc, grad, params, step, *arrays)
            return run


@njit(cache=True)
def _batch(params, meta, yoff, loss, canonical, tiny, X, T, sw, order, lo, hi, mean,
           ys, s_out, deltas, grad, blocks):
    """dE/dparams of one batch into ``grad``; returns (E, batch weight).

    Batches of several rows go through ``block.batch_block`` (whole-batch loops), single rows
    through the per-sample loops of ``layers.py``.
    """
    if hi - lo > 1:
        ws, wd, s_blk, work, bits = blocks
        return batch_block(params, meta, loss, canonical, tiny, X, T, sw, order, lo, hi, mean,
                           ws, wd, s_blk, work, bits, grad)
    L = meta.shape[0]
    K = meta[L - 1, 3]
    out_code = meta[L - 1, 4]
    nb = hi - lo
    grad[:] = 0.0
    total = batch_weight(sw, order, lo, hi)
    E = 0.0
    z = ys[yoff[L]:yoff[L] + K]
    delta = deltas[yoff[L]:yoff[L] + K]
    for i in range(lo, hi):
        row = order[i]
        forward(params, meta, X, row, ys, yoff, s_out)
        e = output_delta(loss, canonical, out_code, z, s_out, T, row, tiny, delta)
        scale = row_scale(sw, row, total, mean, nb)
        if scale != 1.0:
            e *= scale
            for k in range(K):
                delta[k] *= scale
        E += e
        backward(params, meta, X, row, ys, yoff, deltas, grad)
    return E, total


@njit(cache=True)
def _end_quiet_epoch(watch, stats, e, mean, params, best):
    """``training.epoch.end_epoch`` for one network without validation; False when it diverged."""
    s, share, pen, k = stats[e, 0], stats[e, 1], stats[e, 2], stats[e, 3]
    loss = (s / share if mean else s) + pen / max(k, 1.0)
    sq = 0.0
    for p in range(params.shape[0]):
        sq += params[p] * params[p]
    best_train, scale = watch[2], watch[1]
    ref = best_train if best_train > scale or best_train != best_train else scale  # np.maximum
    if not (math.isfinite(loss) and sq <= watch[7]) or loss > watch[0] * ref:
        return False
    if loss < best_train:
        watch[2] = loss
    improved = loss < watch[3] - watch[6]
    watch[5] = 0.0 if improved else watch[5] + 1.0
    if loss < watch[3]:
        watch[3] = loss
        watch[4] = watch[8] + e + 1
        for p in range(params.shape[0]):
            best[p] = params[p]
    return True


@njit(cache=True)
def train(kind, params, meta, yoff, loss, canonical, tiny, X, T, sw, order, bounds, epoch_ends,
          mean, wd_mask, clip, rates, hp, sc, step, arrays, ys, s_out, deltas, grad, blocks,
          stats, watch, best):
    """Run the epochs; returns how many ran (fewer than asked after a non-finite loss)."""
    P = params.shape[0]
    first = 0
    for e in range(epoch_ends.shape[0]):
        for c in range(5):
            stats[e, c] = 0.0
        for b in range(first, epoch_ends[e]):
            E, share = _batch(params, meta, yoff, loss, canonical, tiny, X, T, sw, order,
                              bounds[b], bounds[b + 1], mean, ys, s_out, deltas, grad, blocks)
            penalty = 0.0
            if wd_mask.shape[0] > 0:
                acc = 0.0
                for p in range(P):
                    tmp = params[p] * wd_mask[p]
                    acc += tmp * params[p]
                    grad[p] += tmp
                penalty = 0.5 * acc
            stats[e, 0] += E * share if mean else E
            stats[e, 1] += share
            stats[e, 2] += penalty
            stats[e, 3] += 1
            if not (math.isfinite(E) and math.isfinite(penalty)):
                return e + 1
            if clip > 0:
                nrm = 0.0
                for p in range(P):
                    nrm += grad[p] * grad[p]
                nrm = math.sqrt(nrm)
                if nrm > clip:
                    f = clip / nrm
                    for p in range(P):
                        grad[p] *= f
            if rates.shape[0] > 0:
                sc[1] = rates[b]
            sc[0] += 1
            update(kind, hp, sc, grad, params, step, arrays)
            stats[e, 4] += 1
        first = epoch_ends[e]
        if watch.shape[0] > 0 and e < epoch_ends.shape[0] - 1:
            if not _end_quiet_epoch(watch, stats, e, mean, params, best):
                return e + 1
    return epoch_ends.shape[0]


# The same loop without the on-disk cache, for kernels whose module a later process cannot
# import again (numba would fail to rebuild their environment from the cache).
train_uncached = njit(train.py_func)
