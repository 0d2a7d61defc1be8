"""How the trainer uses the compiled epoch: ``fit(..., engine="auto" | "numpy" | "fast")``.

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ConfigError, check_choice

ENGINES = ("auto", "numpy", "fast")


def check_engine(engine: Any) -> None:
    check_choice("engine", engine, ENGINES)


def use_fast(trainer: Any, run: Any, per_iteration_hooks: bool) -> bool:
    """Whether this run's epochs go through the kernel (raises for ``engine="fast"`` when not)."""
    engine = getattr(trainer, "engine", "auto")
    if engine == "numpy":
        return False
    from . import available, why_not, worthwhile
    if getattr(run, "K", None) is not None or run.opt is None:
        reason = "K networks at once run on the NumPy path"
    elif not available():
        reason = "numba is not installed (pip install 'backprop-mlp[fast]')"
    else:
        reason = why_not(run.net, run.opt, trainer.loss, run.opt_state)
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
    return reason is None and worthwhile(run.net, run.batch_size)


def run_rest_of_epoch(trainer: Any, run: Any, data: Any, mask: np.ndarray | None) -> bool:
    """Train on the epoch's remaining batches in one kernel call, bookkeeping as the trainer's
    loop does (``run.acc``, ``run.bad``, ``pos``, ``iteration``); returns whether it diverged."""
    from . import run_epoch
    B, k = run.batch_size, run.n_batches - run.pos
    if trainer.max_iterations is not None:
        k = min(k, trainer.max_iterations - run.iteration)
    idx = run.order[run.pos * B:(run.pos + k) * B]
    r = run_epoch(run.net, run.opt, run.opt_state, data.X, data.T, (idx, B), loss=trainer.loss,
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
    np.copyto(run.grad, _last_grad(run.net))     # the last update's gradient, as the loop leaves it
    return r.diverged


def _last_grad(net: Any) -> np.ndarray:
    from . import _PREPARED
    return _PREPARED[net].plan.grad
