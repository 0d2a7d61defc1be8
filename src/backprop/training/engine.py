"""How the trainer uses the compiled epoch of :mod:`backprop.fast`: ``engine="auto" | "numpy" | "fast"``.

``"numpy"`` always runs the readable loop.  ``"fast"`` runs each epoch's
remaining batches in one :func:`backprop.fast.run_epoch` call and refuses
(one-line ``ConfigError``) what the kernel cannot do.  ``"auto"`` (the
default) takes the kernel where it can and where it is likely faster
(:func:`backprop.fast.worthwhile`).  Either way the run's history, optimizer
state and weights are the same to rounding.

The kernel cannot run: optimizers that need an oracle (second-order),
per-iteration learning-rate schedules, ``on_iteration_end`` callbacks (they
need the interpreter between updates), and params of K networks.  With the
kernel, Ctrl-C is noticed between epochs rather than between iterations.

When nothing looks at the epochs one by one -- no validation data, metric,
callbacks, schedule, early stopping or checkpoints -- the trainer runs
several epochs in one call (:func:`run_epochs_ahead`; ``AHEAD_MIN`` epochs
at least, up to about ``AHEAD_WORK`` multiply-adds, so Ctrl-C is still
noticed within a fraction of a second): the kernel then does the end-of-epoch
book-keeping of ``training.epoch.end_epoch`` itself (divergence, best
weights, patience), and the history gets the same rows, each epoch's time
being the call's time shared out.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .. import fast
from .._errors import ConfigError, check_choice

ENGINES = ("auto", "numpy", "fast")
AHEAD_MIN = 8            # fewer epochs left: one call each (the set-up would not pay)
AHEAD_MAX = 4096         # epochs in one call at most
AHEAD_WORK = 2 ** 25     # multiply-adds (samples x parameters x epochs) in one call at most


def check_engine(engine: Any) -> None:
    check_choice("engine", engine, ENGINES)


def use_fast(trainer: Any, run: Any, per_iteration_hooks: bool) -> bool:
    """Whether this run's epochs go through the kernel (raises for ``engine="fast"`` when not)."""
    engine = getattr(trainer, "engine", "auto")
    if engine == "numpy":
        return False
    if getattr(run, "K", None) is not None or run.opt is None:
        reason = "K networks at once run on the NumPy path"
    else:
        reason = fast.why_not(run.net, run.opt, trainer.loss, run.opt_state)
    if reason is None and run.oracle is not None:
        reason = "second-order optimizers run on the NumPy path"
    if reason is None and run.sched is not None and run.sched.per == "iteration":
        reason = "a per-iteration learning-rate schedule needs the NumPy path"
    if reason is None and per_iteration_hooks:
        reason = "on_iteration_end callbacks need the NumPy path"
    if engine == "fast":
        if reason is not None:
            raise ConfigError(f"engine='fast' is unavailable: {reason}; use engine='auto' or 'numpy'")
        return True
    return reason is None and fast.worthwhile(run.net, run.batch_size)


def run_rest_of_epoch(trainer: Any, run: Any, data: Any, mask: np.ndarray | None) -> bool:
    """Train on the epoch's remaining batches in one kernel call, bookkeeping as the trainer's
    loop does (``run.acc``, ``run.bad``, ``pos``, ``iteration``); returns whether it diverged."""
    B, k = run.batch_size, run.n_batches - run.pos
    if trainer.max_iterations is not None:
        k = min(k, trainer.max_iterations - run.iteration)
    idx = run.order[run.pos * B:(run.pos + k) * B]
    r = fast.run_epoch(run.net, run.opt, run.opt_state, data.X, data.T, (idx, B), loss=trainer.loss,
                  reduction=trainer.reduction, sample_weight=data.w, weight_decay=mask,
                  grad_clip=trainer.clip_grad_norm, check=False)
    acc = run.acc
    acc[0] += r.loss_sum
    acc[1] += r.weight_sum
    acc[2] += r.penalty_sum
    acc[3] += r.batches
    run.pos += r.iterations
    run.iteration += r.iterations
    run.bad = r.diverged
    np.copyto(run.grad, fast.last_gradient(run.net))   # the last update's gradient, as the loop leaves it
    return r.diverged


def epochs_ahead(trainer: Any, run: Any, data: Any, target_epoch: int, final: bool) -> int:
    """How many epochs, the running one first, the kernel can run in one call (1: just this one).

    Several only at the start of an epoch and when nothing observes single epochs: no
    validation data, metric, callbacks, schedule, early stopping or checkpoints.
    """
    if (run.pos != 0 or data.Xv is not None or trainer.metric is not None or trainer._callbacks
            or run.sched is not None or trainer.checkpoint_path or (final and trainer.early_stopping)):
        return 1
    n = target_epoch - run.epoch
    if trainer.max_iterations is not None:   # only whole epochs below the limit
        n = min(n, (trainer.max_iterations - run.iteration) // max(run.n_batches, 1))
    work = max(run.order.size * run.net.params.size, 1)
    n = min(n, AHEAD_MAX, max(AHEAD_WORK // work, 1))
    return n if n >= AHEAD_MIN else 1


def run_epochs_ahead(trainer: Any, run: Any, data: Any, mask: np.ndarray | None, epochs: int) -> float:
    """Run the drawn epoch and the ``epochs - 1`` after it (their orders drawn as the trainer
    draws them) in one kernel call; record all but the last in the history, and leave the last
    as :func:`run_rest_of_epoch` leaves an epoch, for the trainer's ``end_epoch``.

    Returns the seconds credited to the recorded epochs (the trainer's clock for the last
    epoch starts that much later).  Stops early after an epoch that diverged (it is then last).
    """
    from .diagnosis import EXPLODE_FACTOR
    from .epoch import logged_rate
    from .state import epoch_loss
    t0 = time.perf_counter()
    net, hist, B, first = run.net, run.history, run.batch_size, run.order
    width = first.size
    if trainer.shuffle:   # = ``epochs - 1`` calls of rng.permutation(n), as draw_order makes them
        rest = run.rng.permuted(np.tile(np.arange(data.n), (epochs - 1, 1)), axis=1)[:, :width]
    else:
        rest = np.tile(first, (epochs - 1, 1))
    orders = np.concatenate([first[None, :], rest])
    watch = np.array([EXPLODE_FACTOR, float(trainer._scale), run.best_train, run.best_loss,
                      run.best_epoch, run.wait, trainer.min_delta, np.finfo(net.dtype).max,
                      run.epoch], dtype=np.float64)
    ran, stats = fast.run_compiled(net, run.opt, run.opt_state, data.X, data.T, (orders, B), loss=trainer.loss,
                      reduction=trainer.reduction, sample_weight=data.w, weight_decay=mask,
                      grad_clip=trainer.clip_grad_norm, learning_rates=None, check=False,
                      watch=watch, best=run.best_params)
    stats = stats[:ran]
    its = run.iteration + np.cumsum(stats[:, 4]).astype(np.int64)
    done = ran - 1                            # epochs recorded here; the last is end_epoch's
    elapsed = time.perf_counter() - t0
    if done:
        s, share, pen, k = stats[:done, 0], stats[:done, 1], stats[:done, 2], stats[:done, 3]
        loss = epoch_loss(s, share, pen, k, trainer.reduction == "mean")
        lr = logged_rate(run.opt_state.get("learning_rate"), None)
        hist.extend(done, epoch=list(range(run.epoch + 1, run.epoch + ran)), loss=loss.tolist(),
                    iterations=its[:done].tolist(), time=[elapsed / ran] * done,
                    learning_rate=[lr] * done)
        run.epoch += done
        run.best_train, run.best_loss = float(watch[2]), float(watch[3])
        run.best_epoch, run.wait = int(watch[4]), int(watch[5])
        hist.best_epoch, hist.best_loss = run.best_epoch, run.best_loss
        run.new_epoch_state(np.ascontiguousarray(orders[done]), run.n_batches)
    s, share, pen, k, n = stats[done].tolist()
    run.acc = [s, share, pen, int(k)]
    run.pos = int(n)
    run.iteration = int(its[-1])
    hist.n_iterations = int(its[done - 1]) if done else hist.n_iterations
    last = epoch_loss(s, share, pen, k, trainer.reduction == "mean")
    run.bad = n < k or not math.isfinite(last)       # as run_rest_of_epoch
    np.copyto(run.grad, fast.last_gradient(net))
    return elapsed * done / ran
