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
from typing import Any

import numpy as np

from . import checkpoint
from .history import History

__all__ = ["Run", "to_checkpoint", "from_checkpoint", "jsonable"]


def jsonable(obj: Any) -> Any:
    """``obj`` through a JSON round trip (arrays as lists, tuples as lists)."""
    def default(o):
        if isinstance(o, (np.ndarray, np.generic)):
            return o.tolist()
        return repr(o)
    return json.loads(json.dumps(obj, default=default))


class Run:
    """The mutable state of one training run (see the module docstring)."""

    def __init__(self, net, opt, opt_state: dict, sched, sched_state: dict | None,
                 rng: np.random.Generator, history: History, batch_size: int,
                 train_idx: np.ndarray | None = None, val_idx: np.ndarray | None = None):
        self.net, self.opt, self.opt_state = net, opt, opt_state
        self.sched, self.sched_state = sched, sched_state
        self.rng, self.history, self.batch_size = rng, history, batch_size
        self.train_idx, self.val_idx = train_idx, val_idx
        self.epoch = 0                # epochs completed
        self.iteration = 0            # updates made
        self.order: np.ndarray | None = None   # sample order of the running epoch
        self.n_batches = 0
        self.pos = 0                  # next batch of the running epoch
        self.acc = [0.0, 0.0, 0.0, 0]  # sum E*share, sum share, sum penalty, updates this epoch
        self.epoch_time = 0.0
        self.best_params = net.params.copy()
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_train = float("inf")
        self.wait = 0
        self.initial_norm = float(np.linalg.norm(net.params))
        self.grad = np.empty_like(net.params)
        self.tmp = np.empty_like(net.params)
        self.buffers: dict[int, tuple] = {}
        self.oracle = None
        self.data_digest: str | None = None

    def new_epoch_state(self, order: np.ndarray, n_batches: int) -> None:
        self.order, self.n_batches, self.pos = order, n_batches, 0
        self.acc = [0.0, 0.0, 0.0, 0]
        self.epoch_time = 0.0


_SCALARS = ("epoch", "iteration", "n_batches", "pos", "acc", "epoch_time", "best_loss",
            "best_epoch", "best_train", "wait", "initial_norm", "batch_size")


def to_checkpoint(run: Run, config: dict[str, Any]) -> tuple[dict, dict]:
    """``(header, arrays)`` for :func:`backprop.training.checkpoint.save`."""
    net = run.net
    arrays: dict[str, np.ndarray] = {"params": net.params, "best_params": run.best_params}
    for key in ("train_idx", "val_idx", "order"):
        if getattr(run, key) is not None:
            arrays[key] = getattr(run, key)
    header = {
        "config": config,
        "network": {"layer_sizes": list(net.layer_sizes), "activations": net.activations,
                    "dtype": net.dtype.str},
        "data_digest": run.data_digest,
        "state": {k: getattr(run, k) for k in _SCALARS},
        "rng": run.rng.bit_generator.state,
        "optimizer_state": checkpoint.encode(run.opt_state, arrays, "opt"),
        "schedule_state": checkpoint.encode(run.sched_state, arrays, "sched"),
        "history": run.history.to_dict(),
    }
    return header, arrays


def from_checkpoint(run: Run, header: dict, arrays: dict[str, np.ndarray], path: Any) -> None:
    """Load a checkpoint into a freshly built ``run`` (and its network's params), checking fit."""
    net = run.net
    saved_net = header["network"]
    now_net = {"layer_sizes": list(net.layer_sizes), "activations": net.activations,
               "dtype": net.dtype.str}
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
        setattr(run, key, value)
    rng_state = header["rng"]
    if rng_state.get("bit_generator") != type(run.rng.bit_generator).__name__:
        raise checkpoint.CheckpointError(f"checkpoint {path} uses bit generator "
                                         f"{rng_state.get('bit_generator')}")
    run.rng.bit_generator.state = rng_state
    run.opt_state = checkpoint.decode(header["optimizer_state"], arrays)
    run.sched_state = checkpoint.decode(header["schedule_state"], arrays)
    run.history = History.from_dict(header["history"])
