"""The trainer's options: defaults, validation, and their JSON form in checkpoints."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses
from .._errors import ConfigError, check_choice, check_range
from .engine import check_engine
from ..optim import schedules
from . import checkpoint, metrics
from .batching import resolve_batch_size
from .callbacks import as_callbacks
from .permodel import resolve_optimizer
from .state import jsonable

__all__ = ["OPTIONS", "check_options", "config", "check_config", "check_int"]

OPTIONS: dict[str, Any] = dict(
    loss="squared_error", reduction="mean", optimizer="sgd", optimizer_params=None, epochs=100,
    batch_size=None, shuffle=True, drop_last=False, random_state=None, validation_fraction=None,
    validation_data=None, stratify=None, metric=None, early_stopping=False, patience=10,
    min_delta=0.0, restore_best=True, weight_decay=0.0, schedule=None, clip_grad_norm=None,
    callbacks=(), progress="auto", checkpoint_path=None, checkpoint_every=None, max_iterations=None,
    engine="auto")

# Options a resumed run must share with the checkpoint it continues.
COMPATIBLE = ("loss", "reduction", "optimizer", "optimizer_params", "batch_size", "shuffle",
              "drop_last", "weight_decay", "clip_grad_norm", "schedule", "validation_fraction")


def check_int(name: str, value: Any, low: int, allow_none: bool = False) -> None:
    """Raise ConfigError unless ``value`` is an integer >= ``low`` (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")


def check_options(t: Any) -> None:
    """Validate a trainer's options; sets ``t._schedule`` and ``t._callbacks``."""
    losses.get(t.loss)
    check_choice("reduction", t.reduction, ["mean", "sum"])
    check_int("epochs", t.epochs, 0)
    check_int("patience", t.patience, 0)
    check_int("checkpoint_every", t.checkpoint_every, 1, allow_none=True)
    check_int("max_iterations", t.max_iterations, 1, allow_none=True)
    check_range("min_delta", t.min_delta, 0.0)
    check_range("weight_decay", t.weight_decay, 0.0)
    if t.clip_grad_norm is not None:
        check_range("clip_grad_norm", t.clip_grad_norm, 0.0, low_open=True)
    if t.validation_fraction is not None:
        check_range("validation_fraction", t.validation_fraction, 0.0, 1.0, True, True)
        if t.validation_data is not None:
            raise ConfigError("give either validation_fraction or validation_data, not both")
    if t.metric is not None:
        metrics.get(t.metric)
    check_engine(t.engine)
    if t.progress not in (True, False, "auto"):
        raise ConfigError(f"progress must be True, False or 'auto', got {t.progress!r}")
    if t.batch_size is not None and t.batch_size != "full":
        resolve_batch_size(t.batch_size, 1)
    if (t.checkpoint_every is not None) and not t.checkpoint_path:
        raise ConfigError("checkpoint_every needs checkpoint_path")
    resolve_optimizer(t.optimizer, t.optimizer_params, None)
    t._schedule = schedules.get(t.schedule)
    t._callbacks = as_callbacks(t.callbacks)


def config(t: Any) -> dict[str, Any]:
    """The options as JSON (callbacks, data and display settings left out)."""
    run = t.run_
    opt = run.opt if run else resolve_optimizer(t.optimizer, t.optimizer_params, None)[0]
    cfg = {k: getattr(t, k) for k in OPTIONS
           if k not in ("callbacks", "validation_data", "stratify", "progress", "optimizer", "engine")}
    params = dict(opt.hyperparameters) if opt is not None else t.optimizer_params
    given = (t.optimizer_params or {}).get("learning_rate")
    # a stack's own rates, or one network's per-parameter rates
    if given is not None and (np.ndim(given) > 0 or (run is not None and run.K is not None)):
        params = {**params, "learning_rate": given}
    cfg.update(optimizer=opt.name if opt is not None else None, optimizer_params=params,
               schedule=t._schedule.spec() if t._schedule else None,
               batch_size=run.batch_size if run else t.batch_size)
    return jsonable(cfg)


def check_config(t: Any, saved: dict[str, Any], path: Any) -> None:
    """Raise CheckpointError where the trainer's options differ from the checkpoint's."""
    now = config(t)
    for key in COMPATIBLE:
        if saved.get(key) != now.get(key):
            raise checkpoint.CheckpointError(
                f"checkpoint {path} was written with {key}={saved.get(key)!r}, this trainer has "
                f"{key}={now.get(key)!r}")
