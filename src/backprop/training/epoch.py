"""What the trainer does between epochs and at the end, for one network or K at once.

After each epoch (:func:`end_epoch`): record the history row; detect divergence
(non-finite loss or weights, or a loss above ``EXPLODE_FACTOR`` times the best
epoch loss or the mean-prediction loss); track the best weights and patience;
let a plateau schedule observe the monitored loss.  At the end
(:func:`finish`): restore the best weights where asked, and warn about
divergence or a stall with a diagnosis.

For a :class:`~backprop.training.stack.NetworkStack` every number is an array
over the K networks and each network is judged on its own: a diverged network
gets its best weights back at once and stops (its steps are masked to zero),
the others go on.  History rows hold NaN for networks that no longer train.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import metrics
from .diagnosis import (EXPLODE_FACTOR, ConvergenceWarning, TrainingDiverged, diagnose,
                        stall_kind, warn)
from .setup import Data, baseline_loss, one_network
from .state import Run, epoch_loss, rowdot

__all__ = ["end_epoch", "finish", "summary"]


def _scalar(x: Any, run: Run) -> Any:
    """Python numbers for one network, arrays for a stack."""
    return x.item() if run.K is None and isinstance(x, (np.ndarray, np.generic)) else x


def _per_network(f, Z: np.ndarray, T: np.ndarray, w, threshold: float):
    """Metric ``f`` of every network's outputs ``Z`` (K, n, k) against shared or per-network data."""
    return np.array([f(Z[k], T[k] if T.ndim == 3 else T,
                       None if w is None else (w[k] if w.ndim == 2 else w), threshold)
                     for k in range(len(Z))])


def summary(value: Any) -> float | None:
    """One number for the progress bar: the value, or the mean over still-training networks."""
    if value is None or np.ndim(value) == 0:
        return value
    v = np.asarray(value, float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def logged_rate(lr: Any, K: int | None) -> Any:
    """The History's ``learning_rate`` entry: the rate; for a stack one per network; for
    per-parameter rates of one network their largest (the full array stays in the state)."""
    if lr is None:
        return None
    if np.ndim(lr) == 0:
        return float(lr)
    return float(np.max(lr)) if K is None else np.reshape(lr, -1).copy()


def end_epoch(trainer, run: Run, data: Data) -> bool:
    """Record the finished epoch; returns True when no run is left (all diverged or stopped)."""
    net, hist = run.net, run.history
    s, share, pen, k = run.acc
    run.epoch += 1
    rec = run.active
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        loss = epoch_loss(s, share, pen, k, trainer.reduction == "mean")
        params_ok = np.isfinite(rowdot(net.params, net.params))
        diverged = rec & (run.bad | ~np.isfinite(loss) | ~params_ok | (
            loss > EXPLODE_FACTOR * np.maximum(run.best_train, trainer._scale)))
    ok = ok0 = rec & ~diverged
    val_loss = metric = val_metric = None
    if np.any(ok):
        if data.Xv is not None:
            val_loss = net.loss(data.Xv, data.Tv, trainer.loss, trainer.reduction, data.wv)
            diverged = diverged | (ok & ~np.isfinite(val_loss))
        if trainer.metric is not None:
            f = metrics.get(trainer.metric)
            if run.K is None:
                metric = f(net.forward(data.X), data.T, data.w, data.threshold)
                if data.Xv is not None:
                    val_metric = f(net.forward(data.Xv), data.Tv, data.wv, data.threshold)
            else:
                metric = _per_network(f, net.forward(data.X), data.T, data.w, data.threshold)
                if data.Xv is not None:
                    val_metric = _per_network(f, net.forward(data.Xv), data.Tv, data.wv,
                                              data.threshold)
    if run.K is not None:  # NaN where a network did not train this epoch
        if val_loss is None and data.Xv is not None:  # every network diverged this epoch
            val_loss = np.full(run.K, np.nan)
        loss = np.where(rec, loss, np.nan)
        val_loss, metric, val_metric = (None if v is None else np.where(ok0, v, np.nan)
                                        for v in (val_loss, metric, val_metric))
    hist.append(epoch=run.epoch, loss=_scalar(loss, run), val_loss=_scalar(val_loss, run),
                metric=metric, val_metric=val_metric, iterations=run.iteration,
                time=run.epoch_time, learning_rate=logged_rate(run.opt_state.get("learning_rate"), run.K))
    hist.n_iterations = run.iteration
    run.order = None
    if run.K is None:
        if diverged:
            return True
    elif diverged.any():
        _diverge_rows(trainer, run, data, diverged)
    ok = rec & ~diverged
    run.best_train = _scalar(np.where(ok, np.minimum(run.best_train, loss), run.best_train), run)
    monitored = val_loss if data.Xv is not None else loss
    with np.errstate(invalid="ignore"):
        improved = monitored < run.best_loss - trainer.min_delta
        better = ok & (monitored < run.best_loss)
    run.wait = _scalar(np.where(ok, np.where(improved, 0, run.wait + 1), run.wait), run)
    run.best_loss = _scalar(np.where(better, monitored, run.best_loss), run)
    run.best_epoch = _scalar(np.where(better, run.epoch, run.best_epoch), run)
    if np.any(better):
        np.copyto(run.best_params, net.params, where=np.asarray(better)[..., None])
    hist.best_epoch, hist.best_loss = run.best_epoch, run.best_loss
    if run.sched is not None:
        run.sched.observe(run.sched_state, monitored if run.K is None else monitored[:, None])
    return not np.any(run.active)


def _diverge_rows(trainer, run: Run, data: Data, rows: np.ndarray) -> None:
    """Stack: networks ``rows`` diverged: diagnose the first, give them their best weights back."""
    net = run.net
    if run.first_diagnosis is None:
        run.first_diagnosis = _diagnose_row(run, data, int(np.flatnonzero(rows)[0]))
    np.copyto(net.params, run.best_params, where=rows[:, None])
    run.stop_runs(rows, "diverged")


def _diagnose_row(run: Run, data: Data, k: int):
    """``(k, Diagnosis)`` of network k of a stack at its current (else best) weights."""
    net = run.net
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(rowdot(net.params[k], net.params[k]))
    lr = run.opt_state.get("learning_rate")
    return k, diagnose(one_network(net), data.X[k] if data.X.ndim == 3 else data.X,
                       kind="diverged", params=net.params[k] if finite else run.best_params[k],
                       initial_norm=float(run.initial_norm[k]),
                       learning_rate=None if lr is None else float(np.reshape(lr, -1)[k]))


def overall_reason(run: Run) -> str:
    """Why a stack stopped when every network stopped on its own."""
    return "diverged" if all(r == "diverged" for r in run.stop_reasons) else "early_stopping"


def finish(trainer, run: Run, data: Data, final: bool) -> None:
    """Restore best weights where asked; warn about divergence or a stall (with a diagnosis)."""
    net, hist = run.net, run.history
    lr = run.opt_state.get("learning_rate")
    if run.K is None and hist.stop_reason == "diverged":
        params = net.params if np.isfinite(rowdot(net.params, net.params)) else run.best_params
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
    if run.K is not None:
        reasons = [r or hist.stop_reason for r in run.stop_reasons]
        hist.stop_reasons = reasons
        hist.epochs_trained = np.where(run.active, run.epoch, run.stop_epoch)
        bad = [k for k, r in enumerate(reasons) if r == "diverged"]
        if bad:
            k, report = run.first_diagnosis or _diagnose_row(run, data, bad[0])
            hist.diagnosis = report.message(
                f"{len(bad)} of {run.K} networks diverged (networks {_few(bad)}); each stopped "
                f"with the weights of its best epoch restored, the others trained on. "
                f"Network {k}:")
            warn(hist.diagnosis, TrainingDiverged)
    if trainer.early_stopping and trainer.restore_best and final and hist.stop_reason != "interrupted":
        net.params[...] = run.best_params
    if not final:
        return
    if run.K is None:
        if hist.stop_reason == "max_epochs":
            kind = stall_kind(hist.loss, baseline_loss(data, trainer.loss, trainer.reduction))
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
        return
    base = np.broadcast_to(baseline_loss(data, trainer.loss, trainer.reduction), (run.K,))
    column = hist["loss"]
    kinds = [stall_kind(column[:, k], base[k]) if reasons[k] == "max_epochs" else None
             for k in range(run.K)]
    stalled = [k for k, kind in enumerate(kinds) if kind is not None]
    if stalled and not bad:
        falling = sum(kind == "decreasing" for kind in kinds)
        hist.diagnosis = (
            f"{len(stalled)} of {run.K} networks stopped at the epoch limit ({run.epoch}) "
            f"without settling (networks {_few(stalled)}): {falling} still decreasing, "
            f"{len(stalled) - falling} flat and high. Train longer, change the learning rate, "
            f"or train one with backprop.fit for a detailed diagnosis.")
        warn(hist.diagnosis, ConvergenceWarning)


def _few(rows: list[int]) -> str:
    return ", ".join(map(str, rows[:8])) + (", ..." if len(rows) > 8 else "")
