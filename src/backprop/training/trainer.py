"""THE training loop: online, mini-batch and batch learning, for every optimizer.

One iteration on a batch (X_b, T_b, w_b):

    E, g  = net.loss_and_grad(X_b, T_b, loss, reduction, w_b)   (backpropagation)
    g    += lambda * W          (coupled L2 weight decay, weights only; E_total = E + lambda/2 ||W||^2)
    g    *= c / ||g||  if ||g|| > c                              (clip_grad_norm = c)
    step, state = opt.update(g, state, params[, oracle])
    params += step                                               (in place; never rebound)

The random order (see ``docs/training.md``): ``rng = default_rng(random_state)``
draws the validation split first (one permutation, :mod:`.split`), then
every epoch draws one permutation in ``epoch_batches`` -- nothing else.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..fast import engine
from .._errors import ConfigError, DataError
from . import checkpoint, metrics
from .batching import epoch_batches, iterations_per_epoch, resolve_batch_size
from .callbacks import TrainingEvent, has_hook
from .diagnosis import EXPLODE_FACTOR, ConvergenceWarning, TrainingDiverged, diagnose, stall_kind, warn
from .history import History
from .interrupt import SigintFlag
from .options import OPTIONS, check_config, check_int, check_options, config
from .progress import ProgressBar
from .setup import (Data, baseline_loss, check_optimizer, decay_mask, gather, initial_losses,
                    prepare_data)
from .state import Run, from_checkpoint, jsonable, to_checkpoint

__all__ = ["Trainer", "fit", "OPTIONS"]


class Trainer:
    """Trains a :class:`~backprop.Network` in place; every option is documented in ``docs/training.md``.

    ``fit`` starts a run (or resumes one from a checkpoint, or continues this trainer's last
    run with ``warm_start=True``); ``partial_fit`` runs a few more epochs on new data.  After a
    call, ``history_`` holds the :class:`History` and ``run_`` the resumable state.
    """

    def __init__(self, **options: Any):
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise ConfigError(f"unknown training option {unknown[0]!r}; valid: {', '.join(OPTIONS)}")
        for key, value in {**OPTIONS, **options}.items():
            setattr(self, key, value)
        check_options(self)
        self.run_: Run | None = None
        self.history_: History | None = None

    def config(self) -> dict[str, Any]:
        """The options as JSON (as stored in checkpoints)."""
        return config(self)

    # --- public entry points --------------------------------------------
    def fit(self, net, X, T, *, sample_weight=None, resume: bool | str = False,
            warm_start: bool = False) -> History:
        """Train ``net`` for ``epochs`` epochs (fewer if stopped early); returns the History.

        ``resume=True`` continues from ``checkpoint_path`` when that file exists (else starts
        fresh); ``resume=PATH`` continues from PATH, which must exist.  A resumed run ends
        exactly where the uninterrupted run would have (bit for bit).  ``warm_start=True``
        continues this trainer's previous run on ``net`` (optimizer state, generator,
        history) for ``epochs`` more epochs.
        """
        if warm_start and self.run_ is not None and self.run_.net is net:
            run = self.run_
            if len(np.asarray(X)) != len(self._data.X_all):
                raise DataError("warm_start continues a run on data of the same size; "
                                "use partial_fit for new data")
            self._data = prepare_data(self, net, X, T, sample_weight, run)
            run.history.stop_reason, run.wait = None, 0
            return self._train(run, self._data, run.epoch + self.epochs, final=True)
        path = self.checkpoint_path if resume is True else (resume or None)
        if resume and not isinstance(resume, bool) and not Path(path).exists():
            raise checkpoint.CheckpointError(f"checkpoint {path} does not exist")
        run, data = self._start(net, X, T, sample_weight, split=True,
                                digest=bool(path or self.checkpoint_path))
        if path is not None and Path(path).exists():
            header, arrays = checkpoint.load(path)
            check_config(self, header["config"], path)
            from_checkpoint(run, header, arrays, path)
            data = prepare_data(self, net, X, T, sample_weight, run)
            self._data = data
            if run.history.stop_reason not in (None, "interrupted", "max_epochs"):
                return self._train(run, data, self.epochs, final=True, stopped=run.history.stop_reason)
        return self._train(run, data, self.epochs, final=True)

    def partial_fit(self, net, X, T, *, sample_weight=None, epochs: int = 1) -> History:
        """Run ``epochs`` more epochs on ``(X, T)``, continuing the optimizer state, generator
        and history of the previous call on the same ``net`` (the first call starts a run).

        No validation split, early stopping or stall warning here; divergence is still caught.
        """
        check_int("epochs", epochs, 0)
        if self.run_ is None or self.run_.net is not net:
            run, data = self._start(net, X, T, sample_weight, split=False, digest=False)
        else:
            run = self.run_
            run.history.stop_reason = None
            data = prepare_data(self, net, X, T, sample_weight, run, split=False)
            run.order = None  # new data: an interrupted partial epoch is dropped
            run.oracle = None
            run.batch_size = resolve_batch_size(self.batch_size, len(data.X))
        self._data = data
        return self._train(run, data, run.epoch + epochs, final=False)

    # --- setting up --------------------------------------------------------
    def _start(self, net, X, T, sample_weight, split: bool, digest: bool) -> tuple[Run, Data]:
        opt = optim.get(self.optimizer, **(self.optimizer_params or {}))
        rng = np.random.default_rng(self.random_state)
        has_val = split and (self.validation_fraction is not None or self.validation_data is not None)
        history = History(self.metric, "val_loss" if has_val else "loss")
        opt_state = opt.init(net.params)
        sched = self._schedule
        sched_state = sched.init(opt_state["learning_rate"]) if sched else None
        run = Run(net, opt, opt_state, sched, sched_state, rng, history, 0)
        data = prepare_data(self, net, X, T, sample_weight, run, split=split)
        run.batch_size = resolve_batch_size(self.batch_size, len(data.X))
        if digest:
            h = hashlib.sha256()
            for a in (data.X_all, data.T_all, data.w_all, *data.val_given):
                h.update(b"|" if a is None else np.ascontiguousarray(a).tobytes())
            run.data_digest = h.hexdigest()
        self.run_, self._data = run, data
        return run, data

    # --- the loop ------------------------------------------------------------
    def _train(self, run: Run, data: Data, target_epoch: int, final: bool,
               stopped: str | None = None) -> History:
        net, opt, hist = run.net, run.opt, run.history
        n, B = len(data.X), run.batch_size
        check_optimizer(self, run, data)
        hist.iterations_per_epoch = iterations_per_epoch(n, B, self.drop_last)
        wd = decay_mask(net, self.weight_decay)
        if run.epoch == 0 and run.order is None and not hist.loss:  # the initial weights: epoch 0
            initial_losses(self, run, data, wd)
        self._scale = max(baseline_loss(data, self.loss, self.reduction), 1e-300)
        cbs = self._callbacks
        event = TrainingEvent(self, net, hist, run.opt_state)
        event.epoch, event.iteration = run.epoch, run.iteration
        iter_hook = has_hook(cbs, "on_iteration_end")
        bar = ProgressBar(target_epoch, self.progress if final else False)
        sched = run.sched
        interrupted = SigintFlag()
        stop, diverged = stopped, False
        fast_path = engine.use_fast(self, run, iter_hook)
        try:
            for cb in cbs:
                cb.on_train_begin(event)
            while stop is None and run.epoch < target_epoch:
                if run.order is None:
                    batches = epoch_batches(n, B, run.rng, self.shuffle, self.drop_last)
                    run.new_epoch_state(np.concatenate(batches), len(batches))
                    if sched is not None and sched.per == "epoch":
                        run.opt_state["learning_rate"] = sched.rate(run.sched_state, run.epoch)
                t0 = time.perf_counter()
                if fast_path and run.pos < run.n_batches:  # the compiled epoch (backprop.fast)
                    diverged = engine.run_rest_of_epoch(self, run, data, wd)
                    if self.max_iterations is not None and run.iteration >= self.max_iterations:
                        stop = "max_iterations"
                while not fast_path and run.pos < run.n_batches:
                    idx = run.order[run.pos * B:(run.pos + 1) * B]
                    Xb, Tb, wb = gather(run, data, idx)
                    if sched is not None and sched.per == "iteration":
                        run.opt_state["learning_rate"] = sched.rate(run.sched_state, run.iteration)
                    E, grad = net.loss_and_grad(Xb, Tb, loss=self.loss, reduction=self.reduction,
                                                sample_weight=wb, out=run.grad)
                    penalty = 0.0
                    if wd is not None:
                        np.multiply(net.params, wd, out=run.tmp)
                        penalty = 0.5 * float(run.tmp @ net.params)
                        grad += run.tmp
                    share = float(wb.sum()) if wb is not None else float(len(idx))
                    run.acc[0] += E * share if self.reduction == "mean" else E
                    run.acc[1] += share
                    run.acc[2] += penalty
                    run.acc[3] += 1
                    if not (math.isfinite(E) and math.isfinite(penalty)):
                        diverged = True
                        break
                    if self.clip_grad_norm is not None:
                        norm = math.sqrt(float(grad @ grad))
                        if norm > self.clip_grad_norm:
                            grad *= self.clip_grad_norm / norm
                    if run.oracle is not None:
                        step, run.opt_state = opt.update(grad, run.opt_state, net.params, oracle=run.oracle)
                    else:
                        step, run.opt_state = opt.update(grad, run.opt_state, net.params)
                    net.params += step
                    run.pos += 1
                    run.iteration += 1
                    if iter_hook:
                        event.iteration, event.batch_loss = run.iteration, E
                        event.optimizer_state = run.opt_state
                        for cb in cbs:
                            if cb.on_iteration_end(event):
                                event.stop()
                    if interrupted.set:
                        stop = "interrupted"
                    elif event.stop_requested:
                        stop = "callback"
                    elif self.max_iterations is not None and run.iteration >= self.max_iterations:
                        stop = "max_iterations"
                    if stop:
                        break
                run.epoch_time += time.perf_counter() - t0
                if stop == "interrupted":
                    break
                diverged = self._end_epoch(run, data, diverged)
                event.epoch, event.iteration = run.epoch, run.iteration
                event.loss, event.val_loss = hist.loss[-1], hist.val_loss[-1]
                event.optimizer_state = run.opt_state
                bar.update(run.epoch, event.loss, event.val_loss)
                if diverged:
                    stop = "diverged"
                    break
                for cb in cbs:
                    if cb.on_epoch_end(event):
                        event.stop()
                if stop is None and event.stop_requested:
                    stop = "callback"
                if stop is None and interrupted.set:
                    stop = "interrupted"
                if stop is None and final and self.early_stopping and run.wait >= self.patience:
                    stop = "early_stopping"
                hist.stop_reason = stop
                if self.checkpoint_path and run.epoch % (self.checkpoint_every or 1) == 0:
                    self._save(run)
        finally:
            interrupted.restore()
            if hist.loss:
                bar.close(run.epoch, hist.loss[-1], hist.val_loss[-1])
        hist.stop_reason = stop or "max_epochs"
        hist.n_iterations = run.iteration
        self._finish(run, data, final)
        event.history = hist
        for cb in cbs:
            cb.on_train_end(event)
        if self.checkpoint_path:
            self._save(run)
        self.history_ = hist
        return hist

    def _end_epoch(self, run: Run, data: Data, diverged: bool) -> bool:
        """Record the epoch; update best weights, patience and schedule.  Returns ``diverged``."""
        net, hist = run.net, run.history
        s, share, pen, k = run.acc
        loss = (s / share if self.reduction == "mean" else s) + pen / max(k, 1)
        run.epoch += 1
        params_ok = math.isfinite(float(net.params @ net.params))
        diverged = diverged or not math.isfinite(loss) or not params_ok or (
            loss > EXPLODE_FACTOR * max(run.best_train, self._scale))
        val_loss = metric = val_metric = None
        if not diverged:
            if data.Xv is not None:
                val_loss = net.loss(data.Xv, data.Tv, self.loss, self.reduction, data.wv)
            if self.metric is not None:
                f = metrics.get(self.metric)
                metric = f(net.forward(data.X), data.T, data.w, data.threshold)
                if data.Xv is not None:
                    val_metric = f(net.forward(data.Xv), data.Tv, data.wv, data.threshold)
        lr = run.opt_state.get("learning_rate")
        hist.append(epoch=run.epoch, loss=loss, val_loss=val_loss, metric=metric,
                    val_metric=val_metric, iterations=run.iteration, time=run.epoch_time,
                    learning_rate=float(lr) if lr is not None and np.ndim(lr) == 0 else jsonable(lr))
        hist.n_iterations = run.iteration
        run.order = None
        if diverged or (val_loss is not None and not math.isfinite(val_loss)):
            return True
        run.best_train = min(run.best_train, loss)
        monitored = val_loss if data.Xv is not None else loss
        run.wait = 0 if monitored < run.best_loss - self.min_delta else run.wait + 1
        if monitored < run.best_loss:
            run.best_loss, run.best_epoch = monitored, run.epoch
            np.copyto(run.best_params, net.params)
        hist.best_epoch, hist.best_loss = run.best_epoch, run.best_loss
        if run.sched is not None:
            run.sched.observe(run.sched_state, monitored)
        return False

    def _finish(self, run: Run, data: Data, final: bool) -> None:
        net, hist = run.net, run.history
        lr = run.opt_state.get("learning_rate")
        if hist.stop_reason == "diverged":
            params = net.params if math.isfinite(float(net.params @ net.params)) else run.best_params
            report = diagnose(net, data.X, kind="diverged", params=params,
                              initial_norm=run.initial_norm, learning_rate=lr)
            last = hist.loss[-1] if hist.loss else float("nan")
            hist.diagnosis = report.message(
                f"Training diverged at epoch {run.epoch} (loss {last:.3g}); stopped and restored the "
                f"weights of epoch {run.best_epoch}{' (the initial weights)' if run.best_epoch == 0 else ''} "
                f"(monitored loss {run.best_loss:.3g}).")
            net.params[...] = run.best_params
            warn(hist.diagnosis, TrainingDiverged)
            return
        if self.early_stopping and self.restore_best and final and hist.stop_reason != "interrupted":
            net.params[...] = run.best_params
        if final and hist.stop_reason == "max_epochs":
            kind = stall_kind(hist.loss, baseline_loss(data, self.loss, self.reduction))
            if kind is not None:
                report = diagnose(net, data.X, kind="stalled", initial_norm=run.initial_norm,
                                  learning_rate=lr, still_decreasing=kind == "decreasing")
                what = ("the loss was still decreasing" if kind == "decreasing"
                        else "the loss is flat and high")
                hist.diagnosis = report.message(
                    f"Training stopped at the epoch limit ({run.epoch}) and {what} "
                    f"(last loss {hist.loss[-1]:.4g}).",
                    "What to try" if kind == "decreasing" else "Likely causes")
                warn(hist.diagnosis, ConvergenceWarning)

    def _save(self, run: Run) -> None:
        header, arrays = to_checkpoint(run, self.config())
        checkpoint.save(self.checkpoint_path, header, arrays)


def fit(net, X, T, *, sample_weight=None, resume: bool | str = False, **options: Any) -> History:
    """Train ``net`` on ``(X, T)`` in place and return its :class:`History`.

    Shorthand for ``Trainer(**options).fit(net, X, T, sample_weight=..., resume=...)``;
    see :class:`Trainer` and ``docs/training.md`` for every option.
    """
    return Trainer(**options).fit(net, X, T, sample_weight=sample_weight, resume=resume)
