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

The same loop trains a :class:`~backprop.training.stack.NetworkStack`: K
independent runs at once (``docs/many-networks.md``).  Then params and g are
``(K, P)``, E and every per-run number ``(K,)``, each run has its own
generator, split and order (batches ``(K, B, n_in)``), and a run that stops
early or diverges keeps its weights (its step is masked to zero) while the
others go on.  Only the arithmetic of the few per-run numbers differs
(:class:`.state.Run`, :mod:`.epoch`); the iteration is the one below.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ConfigError, DataError
from . import engine
from . import checkpoint
from .batching import draw_order, iterations_per_epoch, resolve_batch_size
from .callbacks import TrainingEvent, has_hook
from .epoch import end_epoch, finish, overall_reason, summary
from .history import History
from .interrupt import SigintFlag
from .options import OPTIONS, check_config, check_int, check_options, config
from .progress import ProgressBar
from .permodel import resolve_optimizer, seeds_of, set_rates
from .setup import (Data, baseline_loss, batch_share, check_optimizer, decay_mask, gather,
                    initial_losses, prepare_data)
from .state import Run, clip_rows, from_checkpoint, rowdot, to_checkpoint

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
            if run.history.stop_reason != "interrupted":  # else: go on as if never stopped
                run.reopen()
            run.history.stop_reason = None
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
            run.batch_size = resolve_batch_size(self.batch_size, data.n)
        self._data = data
        return self._train(run, data, run.epoch + epochs, final=False)

    # --- setting up --------------------------------------------------------
    def _start(self, net, X, T, sample_weight, split: bool, digest: bool) -> tuple[Run, Data]:
        K = net.params.shape[0] if net.params.ndim == 2 else None
        opt, rates = resolve_optimizer(self.optimizer, self.optimizer_params, K)
        if opt is None:
            raise ConfigError("a list of optimizers needs a NetworkStack; "
                              "give one optimizer for a Network")
        if K is None:
            rng = np.random.default_rng(self.random_state)
        else:
            rng = [np.random.default_rng(seed) for seed in seeds_of(self.random_state, net)]
        has_val = split and (self.validation_fraction is not None or self.validation_data is not None)
        history = History(self.metric, "val_loss" if has_val else "loss")
        opt_state = opt.init(net.params)
        set_rates(opt_state, rates, opt, net)
        sched = self._schedule
        sched_state = sched.init(opt_state["learning_rate"]) if sched else None
        run = Run(net, opt, opt_state, sched, sched_state, rng, history, 0)
        data = prepare_data(self, net, X, T, sample_weight, run, split=split)
        run.batch_size = resolve_batch_size(self.batch_size, data.n)
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
        n, B = data.n, run.batch_size
        check_optimizer(self, run, data)
        hist.iterations_per_epoch = iterations_per_epoch(n, B, self.drop_last)
        wd = decay_mask(net, self.weight_decay)
        if run.epoch == 0 and run.order is None and not hist.loss:  # the initial weights: epoch 0
            initial_losses(self, run, data, wd)
        self._scale = np.maximum(baseline_loss(data, self.loss, self.reduction), 1e-300)
        cbs = self._callbacks
        event = TrainingEvent(self, net, hist, run.opt_state)
        event.epoch, event.iteration = run.epoch, run.iteration
        iter_hook = has_hook(cbs, "on_iteration_end")
        bar = ProgressBar(target_epoch, self.progress if final else False)
        sched, mean = run.sched, self.reduction == "mean"
        interrupted = SigintFlag()
        stop = stopped
        fast_path = engine.use_fast(self, run, iter_hook)
        try:
            for cb in cbs:
                cb.on_train_begin(event)
            while stop is None and run.epoch < target_epoch:
                if run.order is None:
                    run.new_epoch_state(*draw_order(run.rng, n, B, self.shuffle, self.drop_last))
                    if sched is not None and sched.per == "epoch":
                        run.opt_state["learning_rate"] = sched.rate(run.sched_state, run.epoch)
                t0 = time.perf_counter()
                if fast_path and run.pos < run.n_batches:  # the compiled epoch (backprop.fast)
                    ahead = engine.epochs_ahead(self, run, data, target_epoch, final)
                    if ahead > 1:  # the next epochs too, recorded but for the last, in one call
                        t0 += engine.run_epochs_ahead(self, run, data, wd, ahead)
                    else:
                        engine.run_rest_of_epoch(self, run, data, wd)
                    if self.max_iterations is not None and run.iteration >= self.max_iterations:
                        stop = "max_iterations"
                while not fast_path and run.pos < run.n_batches:
                    idx = run.order[..., run.pos * B:(run.pos + 1) * B]
                    Xb, Tb, wb = gather(run, data, idx)
                    if sched is not None and sched.per == "iteration":
                        run.opt_state["learning_rate"] = sched.rate(run.sched_state, run.iteration)
                    E, grad = net.loss_and_grad(Xb, Tb, loss=self.loss, reduction=self.reduction,
                                                sample_weight=wb, out=run.grad)
                    penalty = 0.0
                    if wd is not None:
                        np.multiply(net.params, wd, out=run.tmp)
                        penalty = 0.5 * rowdot(run.tmp, net.params)
                        grad += run.tmp
                    if not run.accumulate(E, penalty, batch_share(wb, idx), mean):
                        break                              # every run's loss is NaN/inf
                    if self.clip_grad_norm is not None:
                        clip_rows(grad, self.clip_grad_norm)
                    if run.oracle is not None:
                        step, run.opt_state = opt.update(grad, run.opt_state, net.params, oracle=run.oracle)
                    else:
                        step, run.opt_state = opt.update(grad, run.opt_state, net.params)
                    if run.frozen is not None:            # stopped networks of a stack stay put
                        np.copyto(step, 0.0, where=run.frozen)
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
                done = end_epoch(self, run, data)
                event.epoch, event.iteration = run.epoch, run.iteration
                event.loss, event.val_loss = hist.loss[-1], hist.val_loss[-1]
                event.optimizer_state = run.opt_state
                if bar.enabled:
                    bar.update(run.epoch, summary(event.loss), summary(event.val_loss))
                if done:
                    stop = "diverged" if run.K is None else overall_reason(run)
                    break
                for cb in cbs:
                    if cb.on_epoch_end(event):
                        event.stop()
                if stop is None and event.stop_requested:
                    stop = "callback"
                if stop is None and interrupted.set:
                    stop = "interrupted"
                if stop is None and final and self.early_stopping:
                    patient = run.active & (run.wait >= self.patience)
                    if run.K is None and patient:
                        stop = "early_stopping"
                    elif run.K is not None and patient.any():
                        run.stop_runs(patient, "early_stopping")
                        stop = None if run.active.any() else overall_reason(run)
                hist.stop_reason = stop
                if self.checkpoint_path and run.epoch % (self.checkpoint_every or 1) == 0:
                    self._save(run)
        finally:
            interrupted.restore()
            if hist.loss:
                bar.close(run.epoch, summary(hist.loss[-1]), summary(hist.val_loss[-1]))
        hist.stop_reason = stop or "max_epochs"
        hist.n_iterations = run.iteration
        finish(self, run, data, final)
        event.history = hist
        for cb in cbs:
            cb.on_train_end(event)
        if self.checkpoint_path:
            self._save(run)
        self.history_ = hist
        return hist

    def _save(self, run: Run) -> None:
        header, arrays = to_checkpoint(run, self.config())
        checkpoint.save(self.checkpoint_path, header, arrays)


def fit(net, X, T, *, sample_weight=None, resume: bool | str = False, **options: Any) -> History:
    """Train ``net`` on ``(X, T)`` in place and return its :class:`History`.

    Shorthand for ``Trainer(**options).fit(net, X, T, sample_weight=..., resume=...)``;
    see :class:`Trainer` and ``docs/training.md`` for every option.
    """
    return Trainer(**options).fit(net, X, T, sample_weight=sample_weight, resume=resume)
