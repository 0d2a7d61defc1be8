"""The estimators' hyperparameters: checking them and translating them for the trainer.

scikit-learn name -> what the trainer gets (see ``docs/estimators.md``):

    solver                  optimizer (any name in ``backprop.optim.available()``)
    learning_rate_init      the optimizer's ``learning_rate`` (first-order solvers)
    momentum, nesterovs_momentum   sgd's ``momentum``, ``nesterov`` (``lecture_form=True``)
    beta_1, beta_2, epsilon the Adam family's ``beta1``, ``beta2``, ``eps``
    alpha                   ``weight_decay = alpha / B`` (scikit-learn's penalty alpha/(2B) ||W||^2
                            per batch of B samples, or alpha/(2 sum w) with sample weights)
    max_iter                ``epochs``;  batch_size "auto" -> min(200, n_train)
    tol, n_iter_no_change,  the stopping rule and schedules of :mod:`._stopping`
    learning_rate, power_t
    optimizer_params        any other hyperparameter, applied last (overrides the above)
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import activations, initializers, losses, optim
from .._errors import ConfigError, check_choice, check_range

SCHEDULES = ("constant", "invscaling", "adaptive")
ADAM_FAMILY = ("adam", "adamw", "adamax", "nadam")
SK_TO_OURS = {"logistic": "sigmoid"}
OURS_TO_SK = {"sigmoid": "logistic"}


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def hidden_sizes(value: Any) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints (an int means one layer)."""
    sizes = [value] if isinstance(value, numbers.Integral) else value
    try:
        sizes = list(sizes)
    except TypeError:
        raise ConfigError(f"hidden_layer_sizes must be an int or a sequence of ints, got {value!r}") from None
    return tuple(_int("hidden_layer_sizes entries", s, 1) for s in sizes)


def hidden_activation(name: Any) -> str:
    """scikit-learn's names (``logistic``) or ours; softmax is for outputs only."""
    valid = ["identity", "logistic", "tanh", "relu"] + [
        a for a in activations.available() if a not in ("softmax", "identity", "tanh", "relu")]
    check_choice("activation", name, valid)
    return SK_TO_OURS.get(name, name)


def check_common(est: Any) -> None:
    """Range checks of every shared hyperparameter (at fit time, as scikit-learn does)."""
    check_choice("solver", est.solver, optim.available())
    check_range("alpha", est.alpha, 0.0)
    if est.batch_size not in ("auto", "full", None):
        _int("batch_size ('auto', 'full' or)", est.batch_size, 1)
    check_choice("learning_rate", est.learning_rate, SCHEDULES)
    check_range("learning_rate_init", est.learning_rate_init, 0.0, low_open=True)
    check_range("power_t", est.power_t, 0.0)
    _int("max_iter", est.max_iter, 1)
    check_range("tol", est.tol, 0.0)
    check_range("momentum", est.momentum, 0.0, 1.0)
    check_range("validation_fraction", est.validation_fraction, 0.0, 1.0, True, True)
    check_range("beta_1", est.beta_1, 0.0, 1.0, high_open=True)
    check_range("beta_2", est.beta_2, 0.0, 1.0, high_open=True)
    check_range("epsilon", est.epsilon, 0.0, low_open=True)
    _int("n_iter_no_change", est.n_iter_no_change, 1)
    for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
        if not isinstance(getattr(est, name), (bool, np.bool_)):
            raise ConfigError(f"{name} must be True or False, got {getattr(est, name)!r}")
    if est.optimizer_params is not None and not isinstance(est.optimizer_params, dict):
        raise ConfigError(f"optimizer_params must be a dict or None, got {est.optimizer_params!r}")
    if est.scale not in (None, "minmax", "standard"):
        raise ConfigError(f"unknown scale {est.scale!r}; valid choices: None, 'minmax', 'standard'")
    if est.impute not in (None, "mean"):
        raise ConfigError(f"unknown impute {est.impute!r}; valid choices: None, 'mean'")
    if est.dtype is not None and np.dtype(est.dtype) not in (np.float32, np.float64):
        raise ConfigError(f"dtype must be None, 'float32' or 'float64', got {est.dtype!r}")
    if est.init != "sklearn":
        initializers.get(est.init)
    if est.output_activation is not None:
        check_choice("output_activation", est.output_activation,
                     ["logistic"] + activations.available())
    losses.get(est.loss if est.loss != "log_loss" else "binary_cross_entropy")
    hidden_sizes(est.hidden_layer_sizes)
    hidden_activation(est.activation)


def optimizer_spec(est: Any) -> tuple[str, dict[str, Any]]:
    """The optimizer name and hyperparameters for the trainer (validated by building it)."""
    name = est.solver
    defaults = optim.get(name).hyperparameters
    params: dict[str, Any] = {}
    if name == "sgd":
        params = {"learning_rate": float(est.learning_rate_init), "momentum": float(est.momentum),
                  "nesterov": bool(est.nesterovs_momentum and est.momentum > 0), "lecture_form": True}
    elif name in ADAM_FAMILY:
        params = {"learning_rate": float(est.learning_rate_init), "beta1": float(est.beta_1),
                  "beta2": float(est.beta_2), "eps": float(est.epsilon)}
    elif "learning_rate" in defaults and not optim.get(name).full_batch_only:
        params = {"learning_rate": float(est.learning_rate_init)}
    params.update(est.optimizer_params or {})
    optim.get(name, **params)
    return name, params


def batch_size(est: Any, n_train: int, full_batch: bool) -> int:
    """scikit-learn's rule: "auto" = min(200, n); larger than n is clipped with a warning."""
    import warnings
    if full_batch or est.batch_size in ("full", None):
        return n_train
    if est.batch_size == "auto":
        return min(200, n_train)
    if est.batch_size > n_train:
        warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                      "clipped", UserWarning, stacklevel=4)
    return int(np.clip(est.batch_size, 1, n_train))


def n_validation(est: Any, n: int) -> int:
    """Size of the held-out set (scikit-learn's train_test_split: ceil(fraction n))."""
    return math.ceil(est.validation_fraction * n) if est.early_stopping else 0


def to_json(params: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments as JSON (for the model file's metadata)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, float) and math.isnan(v):
            v = "nan"
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, np.dtype) or isinstance(v, type):
            v = np.dtype(v).name
        elif not isinstance(v, (str, int, float, bool, list, dict, type(None))):
            v = None  # a RandomState, a callable init: not reproducible from a file
        out[k] = v
    return out


def from_json(params: dict[str, Any], valid: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in params.items() if k in valid}
    if out.get("missing_values") == "nan":
        out["missing_values"] = np.nan
    if isinstance(out.get("hidden_layer_sizes"), list):
        out["hidden_layer_sizes"] = tuple(out["hidden_layer_sizes"])
    if out.get("init", "sklearn") is None:
        out["init"] = "sklearn"
    return out
