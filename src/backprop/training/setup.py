"""Checking and arranging the data of a training run (split, validation set, weights)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import losses
from .._errors import ConfigError, DataError, check_finite
from .split import class_labels, validation_split

__all__ = ["Data", "prepare_data", "baseline_loss"]


@dataclass
class Data:
    """Training arrays ``X, T, w`` and validation arrays ``Xv, Tv, wv`` in the network's dtype."""

    X: np.ndarray
    T: np.ndarray
    w: np.ndarray | None
    Xv: np.ndarray | None
    Tv: np.ndarray | None
    wv: np.ndarray | None
    threshold: float
    X_all: np.ndarray
    T_all: np.ndarray
    w_all: np.ndarray | None
    val_given: tuple


def _weights(w, n: int, dtype, name: str = "sample_weight") -> np.ndarray | None:
    if w is None:
        return None
    w = np.asarray(w, dtype=dtype)
    if w.shape != (n,):
        raise DataError(f"{name} must have shape ({n},), got {w.shape}")
    check_finite(name, w)
    if np.any(w < 0) or w.sum() <= 0:
        raise DataError(f"{name} must be non-negative and not all zero")
    return np.ascontiguousarray(w)


def _labels(trainer, T) -> np.ndarray | None:
    s = trainer.stratify
    if s is False:
        return None
    if s is None or s is True:
        labels = class_labels(T, losses.get(trainer.loss).name)
        if s is True and labels is None:
            raise ConfigError("stratify=True needs class targets (integer labels or a "
                              "cross-entropy loss); use stratify=False or pass the labels")
        return labels
    return np.asarray(s)


def prepare_data(trainer, net, X, T, sample_weight, run, split: bool = True) -> Data:
    """Check X/T/weights once, convert to the network's dtype, and apply the validation split.

    The split is drawn from ``run.rng`` (its first draw) unless ``run`` already holds one
    (a resumed run).
    """
    Xa = net._check_X(X)
    n = len(Xa)
    Ta = net._check_T(T, n)
    w = _weights(sample_weight, n, net.dtype)
    Xv = Tv = wv = None
    given: tuple = ()
    if split and trainer.validation_data is not None:
        vd = trainer.validation_data
        if not isinstance(vd, (tuple, list)) or len(vd) not in (2, 3):
            raise ConfigError("validation_data must be a tuple (X_val, T_val) or "
                              "(X_val, T_val, sample_weight_val)")
        Xv = net._check_X(vd[0])
        Tv = net._check_T(vd[1], len(Xv))
        wv = _weights(vd[2], len(Xv), net.dtype, "validation sample_weight") if len(vd) == 3 else None
        given = (Xv, Tv, wv)
    X_all, T_all, w_all = Xa, Ta, w
    if split and trainer.validation_fraction is not None:
        if run.train_idx is None:
            run.train_idx, run.val_idx = validation_split(n, trainer.validation_fraction, run.rng,
                                                          _labels(trainer, T))
        tr, va = run.train_idx, run.val_idx
        if tr.size + va.size != n:
            raise DataError(f"the stored validation split covers {tr.size + va.size} samples, "
                            f"the data has {n}")
        Xv, Tv, wv = Xa[va], Ta[va], None if w is None else w[va]
        Xa, Ta, w = Xa[tr], Ta[tr], None if w is None else w[tr]
    threshold = 0.0 if net.layers[-1].activation.name == "tanh" else 0.5
    return Data(Xa, Ta, w, Xv, Tv, wv, threshold, X_all, T_all, w_all, given)


def baseline_loss(data: Data, loss: str, reduction: str) -> float:
    """The loss of the best constant prediction (the target mean): what "high" is measured against."""
    T, w = data.T, data.w
    name = losses.get(loss).name
    p = np.average(T, axis=0, weights=w)
    if name == "squared_error":
        per = 0.5 * np.average(((T - p) ** 2).sum(axis=1), weights=w)
    else:
        q = np.clip(p, 1e-12, 1 - 1e-12)
        if name == "binary_cross_entropy":
            per = -float(np.sum(p * np.log(q) + (1 - p) * np.log(1 - q)))
        else:
            per = -float(np.sum(p * np.log(q)))
    total = len(T) if w is None else float(w.sum())
    return float(per * (total if reduction == "sum" else 1.0))


def gather(run, data: Data, idx: np.ndarray):
    """``(X_b, T_b, w_b)`` for batch ``idx``, in reused buffers (the whole set: no copy)."""
    if len(idx) == len(data.X):  # stored order; the gradient is a sum, so the order is immaterial
        return data.X, data.T, data.w
    bufs = run.buffers.get(len(idx))
    if bufs is None:
        bufs = run.buffers[len(idx)] = (
            np.empty((len(idx), data.X.shape[1]), data.X.dtype),
            np.empty((len(idx), data.T.shape[1]), data.T.dtype),
            None if data.w is None else np.empty(len(idx), data.w.dtype))
    Xb, Tb, wb = bufs
    np.take(data.X, idx, axis=0, out=Xb)
    np.take(data.T, idx, axis=0, out=Tb)
    if wb is not None:
        np.take(data.w, idx, out=wb)
    return Xb, Tb, wb


def check_optimizer(trainer, run, data: Data) -> None:
    """Refuse full-batch methods on mini-batches; build the oracle of methods that need one."""
    opt, n = run.opt, len(data.X)
    if (opt.full_batch_only or opt.needs_oracle) and run.batch_size < n:
        raise ConfigError(f"{opt.name} needs full-batch training; use batch_size=None "
                          f"(got batch_size={run.batch_size} for {n} samples)")
    if opt.needs_oracle and trainer.clip_grad_norm is not None:
        raise ConfigError(f"clip_grad_norm does not apply to {opt.name}, which evaluates its own "
                          "gradients; use clip_grad_norm=None")
    if opt.needs_oracle and run.oracle is None:
        try:
            from ..optim.oracle import NetworkOracle
        except ImportError:  # pragma: no cover - lands with the second-order optimizers
            raise ConfigError(f"{opt.name} needs backprop.optim.oracle, which is missing") from None
        run.oracle = NetworkOracle(run.net, data.X, data.T, loss=trainer.loss,
                                   reduction=trainer.reduction, sample_weight=data.w,
                                   weight_decay=trainer.weight_decay)


def decay_mask(net, weight_decay: float) -> np.ndarray | None:
    """lambda at every weight, 0 at every bias (None without decay): g += mask * params."""
    if not weight_decay:
        return None
    mask = np.zeros_like(net.params)
    for W, _ in net.unflatten(mask):
        W[...] = weight_decay
    return mask


def initial_losses(trainer, run, data: Data, mask: np.ndarray | None) -> None:
    """Epoch 0: the initial weights' training and monitored losses start the best-so-far."""
    net = run.net
    loss0 = net.loss(data.X, data.T, trainer.loss, trainer.reduction, data.w)
    if mask is not None:
        loss0 += 0.5 * float(np.dot(net.params * mask, net.params))
    run.best_train = loss0
    run.best_loss = loss0 if data.Xv is None else net.loss(data.Xv, data.Tv, trainer.loss,
                                                           trainer.reduction, data.wv)
    run.history.best_loss = run.best_loss
