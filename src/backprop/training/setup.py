"""Checking and arranging the data of a training run (split, validation set, weights)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import losses
from .._errors import ConfigError, DataError, check_finite
from .split import class_labels, validation_split
from .state import rowdot

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

    @property
    def n(self) -> int:
        """Training samples (per network: a stack's split data is ``(K, n, ...)``)."""
        return self.X.shape[-2]


def one_network(net):
    """The network itself, or a stack's template (its architecture and input checks)."""
    return getattr(net, "template", net)


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
    (a resumed run).  A stack draws one split per network (``run.rng`` is a list); its
    training and validation arrays are then ``(K, n, ...)``, row k network k's share.
    """
    net = one_network(net)
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
            labels = _labels(trainer, T)
            splits = [validation_split(n, trainer.validation_fraction, r, labels)
                      for r in (run.rng if run.K is not None else [run.rng])]
            run.train_idx, run.val_idx = (np.stack(a) if run.K is not None else a[0]
                                          for a in zip(*splits))
        tr, va = run.train_idx, run.val_idx
        if tr.shape[-1] + va.shape[-1] != n:
            raise DataError(f"the stored validation split covers {tr.shape[-1] + va.shape[-1]} samples, "
                            f"the data has {n}")
        Xv, Tv, wv = Xa[va], Ta[va], None if w is None else w[va]
        Xa, Ta, w = Xa[tr], Ta[tr], None if w is None else w[tr]
    threshold = 0.0 if net.layers[-1].activation.name == "tanh" else 0.5
    return Data(Xa, Ta, w, Xv, Tv, wv, threshold, X_all, T_all, w_all, given)


def baseline_loss(data: Data, loss: str, reduction: str):
    """The loss of the best constant prediction (the target mean): what "high" is measured against.

    One number per network (an array) when the training data is per network."""
    if data.T.ndim == 3:
        return np.array([_baseline(T, None if data.w is None else data.w[k], loss, reduction)
                         for k, T in enumerate(data.T)])
    return _baseline(data.T, data.w, loss, reduction)


def _baseline(T, w, loss: str, reduction: str) -> float:
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
    """``(X_b, T_b, w_b)`` for batch ``idx``, in reused buffers (the whole set: no copy).

    ``idx`` is ``(B,)`` (one order, shared by every network of a stack) or ``(K, B)`` (each
    network's own); a stack's batch is then ``(K, B, n_in)``, gathered from shared data
    ``X[idx]`` or from per-network data row by row.
    """
    n = data.n
    if idx.shape[-1] == n:  # stored order; the gradient is a sum, so the order is immaterial
        return data.X, data.T, data.w
    bufs = run.buffers.get(idx.shape)
    per_model = idx.ndim == 2 or data.X.ndim == 3
    if bufs is None:
        lead = (run.K, idx.shape[-1]) if per_model else idx.shape
        bufs = run.buffers[idx.shape] = (
            np.empty(lead + data.X.shape[-1:], data.X.dtype),
            np.empty(lead + data.T.shape[-1:], data.T.dtype),
            None if data.w is None else np.empty(lead, data.w.dtype))
    for src, dst, tail in ((data.X, bufs[0], 1), (data.T, bufs[1], 1), (data.w, bufs[2], 0)):
        if dst is None:
            continue
        if src.ndim == 1 + tail:                         # shared data
            np.take(src, idx, axis=0, out=dst)
        elif idx.ndim == 1:                              # per-network data, one order
            np.take(src, idx, axis=1, out=dst)
        else:                                            # per-network data, own orders
            flat = src.reshape(-1, *src.shape[2:])
            np.take(flat, idx + n * np.arange(run.K)[:, None], axis=0, out=dst)
    return bufs


def batch_share(wb: np.ndarray | None, idx: np.ndarray):
    """The batch's share of the epoch: its sample count, or its summed sample weights."""
    if wb is None:
        return float(idx.shape[-1])
    return float(wb.sum()) if wb.ndim == 1 else wb.sum(axis=-1)


def check_optimizer(trainer, run, data: Data) -> None:
    """Refuse full-batch methods on mini-batches; build the oracle of methods that need one."""
    opt, n = run.opt, data.n
    if opt.needs_oracle and run.K is not None:
        raise ConfigError(f"{opt.name} trains one network at a time (its line searches and "
                          "curvature are per network); train the networks one by one with "
                          "backprop.fit, or use a first-order optimizer for a NetworkStack")
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
        check_oracle = getattr(opt, "check_oracle", None)
        if check_oracle is not None:  # e.g. a loss the method cannot use: refuse before epoch 1
            check_oracle(run.oracle)


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
        loss0 = loss0 + 0.5 * rowdot(net.params * mask, net.params)
    run.best_train = loss0
    run.best_loss = loss0 if data.Xv is None else net.loss(data.Xv, data.Tv, trainer.loss,
                                                           trainer.reduction, data.wv)
    run.history.best_loss = run.best_loss
