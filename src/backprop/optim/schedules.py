"""Learning-rate schedules: the rate eta_t the trainer writes into ``state["learning_rate"]``.

``eta0`` is the optimizer's own ``learning_rate``.  A schedule counts either
epochs (``per="epoch"``: e = 0, 1, 2, ... the number of epochs completed
before the one about to run; the rate holds for the whole epoch) or updates
(``per="iteration"``: t = 0, 1, 2, ... the number of updates made before
this one).  The documented sequences, with c the counter:

    constant                          eta_c = eta0
    step(step_size, gamma)            eta_c = eta0 * gamma ** floor(c / step_size)   (torch StepLR)
    exponential(gamma)                eta_c = eta0 * gamma ** c                     (torch ExponentialLR)
    invscaling(power_t)               eta_c = eta0 / (c + 1) ** power_t             (scikit-learn's
                                      ``learning_rate="invscaling"``, eta0 / t^power_t with t = c + 1)
    plateau(factor, patience,         starts at eta0; after each epoch the monitored loss L counts as
            min_delta, cooldown,      better if L < best - min_delta; when more than ``patience`` epochs
            min_lr)                   in a row were not better, eta <- max(factor * eta, min_lr) and the
                                      count restarts, then ``cooldown`` epochs are ignored
                                      (torch ReduceLROnPlateau, threshold_mode="abs")

Like the optimizers, a schedule is pure: ``state = sched.init(eta0)``,
``eta = sched.rate(state, c)``, ``sched.observe(state, loss)`` at each
epoch end (only plateau uses it).  The state is a dict of numbers, saved in
checkpoints.  For K networks at once eta0 is a ``(K, 1)`` array and every
rule acts row by row (plateau observes a ``(K, 1)`` array of losses).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .._errors import ConfigError, check_choice, check_range

__all__ = ["Schedule", "Constant", "StepDecay", "Exponential", "InverseScaling",
           "ReduceOnPlateau", "get", "available"]

_REGISTRY: dict[str, type["Schedule"]] = {}


def _register(cls: type["Schedule"]) -> type["Schedule"]:
    _REGISTRY[cls.name] = cls
    return cls


class Schedule:
    """Base class: ``init(eta0) -> state``, ``rate(state, c) -> eta``, ``observe(state, loss)``."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    per: str = "epoch"

    def __init__(self, **params: Any):
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ConfigError(f"unknown parameter {unknown[0]!r} for schedule {self.name!r}; "
                              f"valid: {', '.join(self.defaults) or '(none)'}")
        self.params = {**self.defaults, **params}
        for key, value in self.params.items():
            setattr(self, key, value)
        self._check()

    def _check(self) -> None:
        """Validate parameters (override)."""

    def init(self, eta0: float) -> dict[str, Any]:
        return {"eta0": eta0}

    def rate(self, state: dict[str, Any], c: int) -> float:
        raise NotImplementedError

    def observe(self, state: dict[str, Any], loss: float) -> None:
        """Called after every epoch with the monitored loss (default: ignored)."""

    def spec(self) -> dict[str, Any]:
        """A JSON-able description: ``{"name": ..., **params}`` (``get(spec)`` rebuilds it)."""
        return {"name": self.name, **self.params}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


@_register
class Constant(Schedule):
    """eta_c = eta0."""

    name = "constant"

    def rate(self, state, c):
        return state["eta0"]


@_register
class StepDecay(Schedule):
    """eta_e = eta0 * gamma ** floor(e / step_size), once per epoch (torch ``StepLR``)."""

    name = "step"
    defaults = {"step_size": 10, "gamma": 0.1}

    def _check(self):
        if isinstance(self.step_size, bool) or not isinstance(self.step_size, int) or self.step_size < 1:
            raise ConfigError(f"step: step_size must be a positive integer, got {self.step_size!r}")
        check_range("step: gamma", self.gamma, 0.0, 1.0, low_open=True)

    def rate(self, state, c):
        return state["eta0"] * self.gamma ** (c // self.step_size)


@_register
class Exponential(Schedule):
    """eta_e = eta0 * gamma ** e, once per epoch (torch ``ExponentialLR``)."""

    name = "exponential"
    defaults = {"gamma": 0.95}

    def _check(self):
        check_range("exponential: gamma", self.gamma, 0.0, 1.0, low_open=True)

    def rate(self, state, c):
        return state["eta0"] * self.gamma ** c


@_register
class InverseScaling(Schedule):
    """eta_c = eta0 / (c + 1) ** power_t (scikit-learn's ``invscaling``), per update by default."""

    name = "invscaling"
    defaults = {"power_t": 0.5, "per": "iteration"}

    def _check(self):
        check_range("invscaling: power_t", self.power_t, 0.0)
        check_choice("invscaling: per", self.per, ["iteration", "epoch"])

    def rate(self, state, c):
        return state["eta0"] / (c + 1) ** self.power_t


@_register
class ReduceOnPlateau(Schedule):
    """Multiply eta by ``factor`` when the monitored loss stops improving (torch ``ReduceLROnPlateau``).

    After each epoch: better = L < best - min_delta; if better: best = L, bad = 0, else bad += 1;
    during cooldown bad is reset to 0; if bad > patience: eta = max(factor eta, min_lr), bad = 0,
    cooldown restarts.  The trainer monitors the validation loss when there is one, else the
    training loss.
    """

    name = "plateau"
    defaults = {"factor": 0.1, "patience": 10, "min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0}

    def _check(self):
        check_range("plateau: factor", self.factor, 0.0, 1.0, low_open=True, high_open=True)
        for key in ("patience", "cooldown"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"plateau: {key} must be an integer >= 0, got {v!r}")
        check_range("plateau: min_delta", self.min_delta, 0.0)
        check_range("plateau: min_lr", self.min_lr, 0.0)

    def init(self, eta0):
        return {"eta0": eta0, "lr": eta0, "best": math.inf, "bad": 0, "cooldown_left": 0}

    def rate(self, state, c):
        return state["lr"]

    def observe(self, state, loss):
        if np.ndim(loss):
            return self._observe_rows(state, np.asarray(loss, dtype=float))
        if loss < state["best"] - self.min_delta:
            state["best"], state["bad"] = float(loss), 0
        else:
            state["bad"] += 1
        if state["cooldown_left"] > 0:
            state["cooldown_left"] -= 1
            state["bad"] = 0
        if state["bad"] > self.patience:
            lr = state["lr"] * self.factor   # an array for per-parameter rates
            state["lr"] = np.maximum(lr, self.min_lr) if np.ndim(lr) else max(lr, self.min_lr)
            state["bad"], state["cooldown_left"] = 0, self.cooldown

    def _observe_rows(self, state, loss):
        """The same rule for K networks at once (a loss per row, NaN: a stopped network)."""
        better = loss < np.asarray(state["best"]) - self.min_delta
        best = np.where(better, loss, state["best"])
        bad = np.where(better, 0, np.asarray(state["bad"]) + 1)
        cool = np.broadcast_to(state["cooldown_left"], loss.shape)
        bad = np.where(cool > 0, 0, bad)
        cool = np.where(cool > 0, cool - 1, cool)
        cut = bad > self.patience
        state["lr"] = np.where(cut, np.maximum(np.asarray(state["lr"]) * self.factor, self.min_lr),
                               state["lr"])
        state.update(best=best, bad=np.where(cut, 0, bad), cooldown_left=np.where(cut, self.cooldown, cool))


def available() -> list[str]:
    """Names of the schedules."""
    return list(_REGISTRY)


def get(spec: "str | dict | Schedule | None", **params: Any) -> Schedule | None:
    """A schedule from a name (``"step"``), a dict (``{"name": "step", "gamma": 0.5}``) or an instance."""
    if isinstance(spec, Schedule):
        if params:
            raise ConfigError("pass schedule parameters either to get() or to the schedule, not both")
        return spec
    if spec is None and not params:
        return None
    if isinstance(spec, dict):
        spec = dict(spec)
        spec, params = spec.pop("name", None), {**spec, **params}
    check_choice("schedule", spec, list(_REGISTRY))
    return _REGISTRY[spec](**params)
