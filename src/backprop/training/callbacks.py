"""User code that runs inside the training loop.

A callback is either a plain function, called at the end of every epoch
with a :class:`TrainingEvent`, or a :class:`Callback` with any of
``on_train_begin``, ``on_epoch_end``, ``on_iteration_end``,
``on_train_end``.  A callback stops training by calling
``event.stop("why")`` or by returning ``True`` from ``on_epoch_end`` /
a plain function; the trainer finishes the current update (and, at an
epoch end, the epoch's bookkeeping) and returns with
``history.stop_reason == "callback"``.

Callbacks may read anything but must not rebind ``net.params`` (writing into
it is allowed, at their own risk for checkpoint reproducibility).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._errors import ConfigError

__all__ = ["Callback", "TrainingEvent", "TargetLoss", "RecordParams"]


class TrainingEvent:
    """What a callback sees.  One object, updated in place by the trainer.

    Attributes: ``trainer``, ``net``, ``history``, ``optimizer_state``, ``epoch`` (epochs
    completed; during an epoch the number of the running epoch minus 1), ``iteration``
    (updates made so far), ``batch_loss`` (loss of the last batch), ``loss`` / ``val_loss``
    (of the last completed epoch).
    """

    def __init__(self, trainer: Any, net: Any, history: Any, optimizer_state: dict):
        self.trainer, self.net, self.history = trainer, net, history
        self.optimizer_state = optimizer_state
        self.epoch = 0
        self.iteration = 0
        self.batch_loss: float | None = None
        self.loss: float | None = None
        self.val_loss: float | None = None
        self.stop_requested: str | None = None

    def stop(self, reason: str = "callback") -> None:
        """Ask the trainer to stop after the current update."""
        self.stop_requested = reason


class Callback:
    """Base class; override the hooks you need.  Return ``True`` from ``on_epoch_end`` to stop."""

    def on_train_begin(self, event: TrainingEvent) -> None:
        pass

    def on_epoch_end(self, event: TrainingEvent) -> bool | None:
        pass

    def on_iteration_end(self, event: TrainingEvent) -> bool | None:
        pass

    def on_train_end(self, event: TrainingEvent) -> None:
        pass


class _Function(Callback):
    def __init__(self, fn: Callable[[TrainingEvent], Any]):
        self.fn = fn

    def on_epoch_end(self, event):
        return self.fn(event)


class TargetLoss(Callback):
    """Stop once the monitored loss reaches ``target`` (the classic "train until E < 0.01").

    ``monitor`` is ``"loss"`` (training) or ``"val_loss"``.  For K networks at once it
    stops when every network still training has reached it.
    """

    def __init__(self, target: float, monitor: str = "loss"):
        if monitor not in ("loss", "val_loss"):
            raise ConfigError(f"unknown monitor {monitor!r}; valid choices: loss, val_loss")
        self.target, self.monitor = float(target), monitor

    def on_epoch_end(self, event):
        value = getattr(event, self.monitor)
        if value is None:
            return False
        if np.ndim(value) == 0:
            return value <= self.target
        with np.errstate(invalid="ignore"):  # K networks: all there (NaN: no longer training)
            return bool(np.all(~(np.asarray(value, dtype=float) > self.target)))


class RecordParams(Callback):
    """Keep a copy of ``net.params`` every ``every`` epochs (for weight-trajectory plots).

    ``params`` is a list of flat vectors; ``epochs`` the epoch of each.
    """

    def __init__(self, every: int = 1):
        self.every = int(every)
        self.params: list[np.ndarray] = []
        self.epochs: list[int] = []

    def on_train_begin(self, event):
        if not self.params:
            self.params.append(event.net.params.copy())
            self.epochs.append(event.epoch)

    def on_epoch_end(self, event):
        if event.epoch % self.every == 0:
            self.params.append(event.net.params.copy())
            self.epochs.append(event.epoch)


def as_callbacks(callbacks: Iterable[Callback | Callable] | Callback | Callable | None) -> list[Callback]:
    """Normalise the ``callbacks=`` option to a list of :class:`Callback`."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    out = []
    for cb in callbacks:
        if isinstance(cb, Callback):
            out.append(cb)
        elif callable(cb):
            out.append(_Function(cb))
        else:
            raise ConfigError(f"callbacks must be functions or Callback objects, got {type(cb).__name__}")
    return out


def has_hook(callbacks: list[Callback], hook: str) -> bool:
    """Whether any callback overrides ``hook`` (the trainer skips iteration events otherwise)."""
    return any(getattr(type(cb), hook) is not getattr(Callback, hook) for cb in callbacks)
