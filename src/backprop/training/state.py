"""Everything a training run carries between updates, and its checkpoint form.

A run is resumable bit for bit because this object holds *all* of it: the
parameters live in the network, and here are the optimizer and schedule
state, the generator, the validation split, the position inside the current
epoch (its drawn order, the next batch, the partial loss sums), the
early-stopping book-keeping with its one copy of the best parameters, and
the history.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from . import checkpoint
from .history import History

__all__ = ["Run", "to_checkpoint", "from_checkpoint", "jsonable", "epoch_loss", "rowdot", "rownorm", "clip_rows"]


def jsonable(obj: Any) -> Any:
    """``obj`` through a JSON round trip (arrays as lists, tuples as lists)."""
    def default(o):
        if isinstance(o, (np.ndarray, np.generic)):
            return o.tolist()
        return repr(o)
    return json.loads(json.dumps(obj, default=default))


class Run:
    """The mutable state of one training run (see the module docstring).

    For a :class:`~backprop.training.stack.NetworkStack` of K networks (``K`` is then an int,
    else None) every per-run number -- the epoch's loss sums, best losses and epochs, patience
    counts -- is an array of shape ``(K,)``, ``rng`` a list of K generators, and ``active``
    says which networks still train (a stopped one has its steps masked to zero, ``frozen``).
    """

    def __init__(self, net, opt, opt_state: dict, sched, sched_state: dict | None,
                 rng: "np.random.Generator | list[np.random.Generator]", history: History,
                 batch_size: int, train_idx: np.ndarray | None = None,
                 val_idx: np.ndarray | None = None):
        self.net, self.opt, self.opt_state = net, opt, opt_state
        self.sched, self.sched_state = sched, sched_state
        self.rng, self.history, self.batch_size = rng, history, batch_size
        self.train_idx, self.val_idx = train_idx, val_idx
        self.K: int | None = net.params.shape[0] if net.params.ndim == 2 else None
        self.epoch = 0                # epochs completed
        self.iteration = 0            # updates made
        self.order: np.ndarray | None = None   # sample order of the running epoch
        self.n_batches = 0
        self.pos = 0                  # next batch of the running epoch
        self.epoch_time = 0.0
        self.best_params = net.params.copy()
        self.best_loss = self.per_run(float("inf"))
        self.best_epoch = self.per_run(0)
        self.best_train = self.per_run(float("inf"))
        self.wait = self.per_run(0)
        self.active = self.per_run(True)             # still training (stacks: per network)
        self.stop_reasons: list | None = None if self.K is None else [None] * self.K
        self.frozen: np.ndarray | None = None        # (K, 1): rows whose steps are masked
        self.stop_epoch = self.per_run(0)            # epoch at which a network stopped
        self.first_diagnosis = None                  # stacks: (k, Diagnosis) of the first diverged
        self.new_epoch_state(None, 0)
        self.initial_norm = rownorm(net.params)
        self.grad = np.empty_like(net.params)
        self.tmp = np.empty_like(net.params)
        self.buffers: dict[tuple, tuple] = {}
        self.oracle = None
        self.data_digest: str | None = None

    def per_run(self, value: Any) -> Any:
        """``value`` for one network, or an array of K copies for a stack."""
        return value if self.K is None else np.full(self.K, value)

    def new_epoch_state(self, order: np.ndarray | None, n_batches: int) -> None:
        self.order, self.n_batches, self.pos = order, n_batches, 0
        if self.K is None or order is None:
            self.acc = [self.per_run(0.0), self.per_run(0.0), self.per_run(0.0), self.per_run(0)]
            self.bad = self.per_run(False)   # non-finite loss this epoch
        else:                                # a stack reuses its (K,) arrays
            for a in self.acc:
                a.fill(0)
            self.bad = np.zeros(self.K, bool)
            if self.frozen is not None:
                self.refreeze()
        self.epoch_time = 0.0

    def accumulate(self, E: Any, penalty: Any, share: Any, mean: bool) -> bool:
        """Add a batch to the epoch's sums: E * share (mean) or E, share, penalty, one update.

        Returns False when no run is left whose loss is finite (one network: this one).
        """
        if self.K is None:
            self.acc[0] += E * share if mean else E
            self.acc[1] += share
            self.acc[2] += penalty
            self.acc[3] += 1
            self.bad = not (math.isfinite(E) and math.isfinite(penalty))
            return not self.bad
        if self.frozen is None:              # every network trains: no masks needed
            self.acc[0] += E * share if mean else E
            self.acc[1] += share
            self.acc[2] += penalty
            self.acc[3] += 1
            if np.isfinite(E).all() and (not np.ndim(penalty) or np.isfinite(penalty).all()):
                return True
            live = self.active
        else:
            live = self.active & ~self.bad
            with np.errstate(invalid="ignore", over="ignore"):
                self.acc[0] += np.where(live, E * share if mean else E, 0.0)
            self.acc[1] += np.where(live, share, 0.0)
            self.acc[2] += np.where(live, penalty, 0.0)
            self.acc[3] += live
        bad = live & ~(np.isfinite(E) & np.isfinite(penalty))
        if bad.any():
            self.bad = self.bad | bad
            self.refreeze()
        return bool((self.active & ~self.bad).any())

    def refreeze(self) -> None:
        """Recompute ``frozen`` from ``active`` and this epoch's non-finite runs (stacks)."""
        stopped = ~self.active | self.bad
        self.frozen = stopped[:, None] if stopped.any() else None

    def stop_runs(self, which: np.ndarray, reason: str) -> None:
        """Stop the runs in ``which`` (stacks) with ``reason``; they keep drawing their orders."""
        for k in np.flatnonzero(which & self.active):
            self.stop_reasons[k] = reason
        self.stop_epoch = np.where(which & self.active, self.epoch, self.stop_epoch)
        self.active = self.active & ~which
        self.refreeze()

    def reopen(self) -> None:
        """Every run trains again (warm start): patience and per-run stops reset."""
        self.wait = self.per_run(0)
        self.active = self.per_run(True)
        self.stop_epoch = self.per_run(0)
        if self.K is not None:
            self.stop_reasons = [None] * self.K
        self.frozen = None


def epoch_loss(s: Any, share: Any, penalty: Any, batches: Any, mean: bool) -> Any:
    """An epoch's reported loss from its sums (``Run.acc``): sum(E_b share_b) / sum(share_b)
    for ``"mean"``, else sum(E_b); plus the mean penalty sum(penalty_b) / batches."""
    return (s / share if mean else s) + penalty / np.maximum(batches, 1)


def rowdot(a: np.ndarray, b: np.ndarray) -> Any:
    """``a . b`` for vectors (a float), row by row for ``(K, P)`` arrays (shape ``(K,)``)."""
    if a.ndim == 1:
        return float(a @ b)
    return np.einsum("kp,kp->k", a, b)


def rownorm(a: np.ndarray) -> Any:
    """Euclidean norm of a vector, or of each row."""
    return math.sqrt(rowdot(a, a)) if a.ndim == 1 else np.sqrt(rowdot(a, a))


_SCALARS = ("epoch", "iteration", "n_batches", "pos", "acc", "epoch_time", "best_loss",
            "best_epoch", "best_train", "wait", "initial_norm", "batch_size", "bad", "active",
            "stop_reasons", "stop_epoch")
_PER_RUN = ("best_loss", "best_epoch", "best_train", "wait", "initial_norm", "bad", "active",
            "stop_epoch")


def _network_header(net) -> dict:
    head = {"layer_sizes": list(net.layer_sizes), "activations": net.activations,
            "dtype": net.dtype.str}
    if net.params.ndim == 2:
        head["n_networks"] = net.params.shape[0]
    return head


def to_checkpoint(run: Run, config: dict[str, Any]) -> tuple[dict, dict]:
    """``(header, arrays)`` for :func:`backprop.training.checkpoint.save`."""
    net = run.net
    arrays: dict[str, np.ndarray] = {"params": net.params, "best_params": run.best_params}
    for key in ("train_idx", "val_idx", "order"):
        if getattr(run, key) is not None:
            arrays[key] = getattr(run, key)
    header = {
        "config": config,
        "network": _network_header(net),
        "data_digest": run.data_digest,
        "state": jsonable({k: getattr(run, k) for k in _SCALARS}),
        "rng": ([r.bit_generator.state for r in run.rng] if isinstance(run.rng, list)
                else run.rng.bit_generator.state),
        "optimizer_state": checkpoint.encode(run.opt_state, arrays, "opt"),
        "schedule_state": checkpoint.encode(run.sched_state, arrays, "sched"),
        "history": jsonable(run.history.to_dict()),
    }
    return header, arrays


def from_checkpoint(run: Run, header: dict, arrays: dict[str, np.ndarray], path: Any) -> None:
    """Load a checkpoint into a freshly built ``run`` (and its network's params), checking fit."""
    net = run.net
    saved_net = header["network"]
    now_net = _network_header(net)
    if saved_net != now_net:
        raise checkpoint.CheckpointError(f"checkpoint {path} is for network {saved_net}, "
                                         f"not {now_net}")
    if header.get("data_digest") != run.data_digest:
        raise checkpoint.CheckpointError(f"checkpoint {path} was written for different training data")
    net.params[...] = arrays["params"]
    run.best_params[...] = arrays["best_params"]
    for key in ("train_idx", "val_idx", "order"):
        setattr(run, key, arrays.get(key))
    for key, value in header["state"].items():
        if run.K is not None and key in _PER_RUN:
            value = np.array(value)
        elif run.K is not None and key == "acc":
            value = [np.array(v) for v in value]
        setattr(run, key, value)
    if run.K is not None:
        run.refreeze()
    rngs = run.rng if isinstance(run.rng, list) else [run.rng]
    states = header["rng"] if isinstance(header["rng"], list) else [header["rng"]]
    for rng, rng_state in zip(rngs, states):
        if rng_state.get("bit_generator") != type(rng.bit_generator).__name__:
            raise checkpoint.CheckpointError(f"checkpoint {path} uses bit generator "
                                             f"{rng_state.get('bit_generator')}")
        rng.bit_generator.state = rng_state
    run.opt_state = checkpoint.decode(header["optimizer_state"], arrays)
    run.sched_state = checkpoint.decode(header["schedule_state"], arrays)
    run.history = History.from_dict(header["history"])


def clip_rows(grad: np.ndarray, max_norm: float) -> None:
    """grad *= c / ||grad|| where ||grad|| > c (per network for a ``(K, P)`` gradient)."""
    if grad.ndim == 1:
        norm = math.sqrt(float(grad @ grad))
        if norm > max_norm:
            grad *= max_norm / norm
        return
    norm = np.sqrt(rowdot(grad, grad))
    with np.errstate(divide="ignore"):
        grad *= np.where(norm > max_norm, max_norm / norm, 1.0)[:, None]
