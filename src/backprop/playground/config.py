"""Validation of the settings a page sends: every value typed, bounded, and named in its error.

A configuration has three parts (``docs/playground.md`` lists every key)::

    {"data":     {"name": "xor", "n_samples": 4, "noise": 0.0, "test_fraction": 0.0, ...},
     "network":  {"hidden": [2], "activation": "sigmoid", "output_activation": "sigmoid", ...},
     "training": {"optimizer": "sgd", "optimizer_params": {"learning_rate": 0.5}, ...}}

:func:`validate` fills in defaults and returns a new dict, or raises
:class:`~backprop.ConfigError` with one line naming the setting and its valid
range or choices.  Nothing here allocates anything of the size a page asks for.
"""

from __future__ import annotations

import math
from typing import Any

from .. import activations, initializers, losses, optim
from .._errors import ConfigError
from ..preprocessing.features import parse_feature
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["DATASETS", "BATCH_MODES", "STOP_WHEN", "TASKS", "defaults", "validate", "n_params",
           "resolve_output"]

DATASETS = ("xor", "circles", "spirals", "clusters", "curve", "csv")
BATCH_MODES = ("online", "minibatch", "batch")
HIDDEN_ACTIVATIONS = tuple(a for a in activations.available() if a != "softmax")

TASKS = ("auto", "classification", "regression")
# Stop conditions: (what is watched, stop when it is ... the value)
STOP_WHEN = {"off": None, "loss": "<=", "test_loss": "<=", "accuracy": ">=", "test_accuracy": ">=",
             "r2": ">=", "test_r2": ">=", "epoch": ">="}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "data": {"name": "xor", "n_samples": 4, "noise": 0.0, "test_fraction": 0.0, "classes": 3,
             "seed": 0, "standardize": False, "features": None, "plane": [0, 1], "csv": None,
             "csv_name": None, "target": None, "task": "auto", "one_hot": False},
    "network": {"hidden": [2], "activation": "sigmoid", "output_activation": "sigmoid",
                "loss": "squared_error", "init": "uniform", "seed": 0},
    "training": {"optimizer": "sgd", "optimizer_params": {"learning_rate": 2.0, "momentum": 0.9},
                 "batch_mode": "batch", "batch_size": 10, "weight_decay": 0.0,
                 "early_stopping": False, "patience": 50, "max_epochs": 100_000, "speed": 300.0,
                 "seed": 0, "stop_when": "off", "stop_value": 0.0},
}


def defaults() -> dict[str, dict[str, Any]]:
    """A fresh copy of the default configuration (XOR, the lecture's 2-2-1 network, SGD)."""
    return {part: {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                   for k, v in values.items()} for part, values in _DEFAULTS.items()}


def _number(where: str, value: Any, low: float, high: float, integer: bool = False,
            low_open: bool = False) -> float | int:
    """``value`` as an int or float in [low, high] (``low_open``: (low, high]), else ConfigError."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and value <= high
    if not ok or (integer and value != int(value)):
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{where} must be {kind} in {'(' if low_open else '['}{low}, {high}], "
                          f"got {value!r}"[:200])
    return int(value) if integer else float(value)


def _choice(where: str, value: Any, choices: tuple | list) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"unknown {where} {value!r}; valid choices: {', '.join(choices)}")
    return value


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


def _part(config: Any, name: str) -> dict[str, Any]:
    part = config.get(name, {}) if isinstance(config, dict) else None
    if not isinstance(part, dict):
        raise ConfigError(f"settings '{name}' must be an object")
    unknown = sorted(set(part) - set(_DEFAULTS[name]))
    if unknown:
        raise ConfigError(f"unknown setting {name}.{unknown[0]}; valid: {', '.join(_DEFAULTS[name])}")
    return {**defaults()[name], **part}


def validate(config: Any, limits: Limits = DEFAULT_LIMITS) -> dict[str, dict[str, Any]]:
    """Check a page's settings against ``limits``; returns them complete (defaults filled in)."""
    if not isinstance(config, dict):
        raise ConfigError("settings must be an object with parts data, network, training")
    unknown = sorted(set(config) - set(_DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown settings part {unknown[0]!r}; valid: data, network, training")
    return {"data": _data(_part(config, "data"), limits),
            "network": _network(_part(config, "network"), limits),
            "training": _training(_part(config, "training"), limits)}


def _data(d: dict[str, Any], lim: Limits) -> dict[str, Any]:
    d["name"] = _choice("data set", d["name"], DATASETS)
    d["n_samples"] = _number("data.n_samples", d["n_samples"], lim.min_samples, lim.max_samples, True)
    d["noise"] = _number("data.noise", d["noise"], 0.0, lim.max_noise)
    d["test_fraction"] = _number("data.test_fraction", d["test_fraction"], 0.0, lim.max_test_fraction)
    d["classes"] = _number("data.classes", d["classes"], 2, lim.max_classes, True)
    d["seed"] = _number("data.seed", d["seed"], 0, 2**31 - 1, True)
    d["standardize"] = _bool("data.standardize", d["standardize"])
    d["features"] = _features(d["features"], lim)
    plane = d["plane"]
    if not isinstance(plane, list) or not 1 <= len(plane) <= 2:
        raise ConfigError(f"data.plane must be a list of one or two column numbers, got {plane!r}"[:200])
    d["plane"] = [_number(f"data.plane[{k}]", c, 0, lim.max_inputs - 1, True) for k, c in enumerate(plane)]
    if len(set(d["plane"])) != len(d["plane"]):
        raise ConfigError("data.plane: choose two different columns for the plot's axes")
    d["task"] = _choice("data.task", d["task"], TASKS)
    d["one_hot"] = _bool("data.one_hot", d["one_hot"])
    if d["name"] == "csv":
        if not isinstance(d["csv"], str) or not d["csv"].strip():
            raise ConfigError("data set 'csv' needs the file's text in data.csv")
        if len(d["csv"].encode()) > lim.max_csv_bytes:
            raise ConfigError(f"data.csv is {len(d['csv'].encode())} bytes; the limit is "
                              f"{lim.max_csv_bytes} bytes")
        for key in ("csv_name", "target"):
            if d[key] is not None and (not isinstance(d[key], str) or not 0 < len(d[key]) <= 100):
                raise ConfigError(f"data.{key} must be a text of 1 to 100 characters or null, "
                                  f"got {d[key]!r}"[:200])
    else:
        d["csv"] = d["csv_name"] = d["target"] = None
    return d


def _features(given: Any, lim: Limits) -> list[str] | None:
    """The derived input features (None: the raw columns), each name checked."""
    if given is None:
        return None
    if not isinstance(given, list) or not 1 <= len(given) <= lim.max_inputs:
        raise ConfigError(f"data.features must be a list of 1 to {lim.max_inputs} feature names "
                          f"(x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2), ...) or null, got {given!r}"[:200])
    for name in given:
        try:
            parse_feature(name)
        except ConfigError as exc:
            raise ConfigError(f"data.features: {exc}"[:200]) from None
        if max(parse_feature(name)[1]) >= lim.max_inputs:
            raise ConfigError(f"data.features: {name!r} names a column beyond {lim.max_inputs}")
    if len(set(given)) != len(given):
        raise ConfigError(f"data.features lists a feature twice: {given!r}"[:200])
    return list(given)


def _network(n: dict[str, Any], lim: Limits) -> dict[str, Any]:
    hidden = n["hidden"]
    if not isinstance(hidden, list) or len(hidden) > lim.max_hidden_layers:
        raise ConfigError(f"network.hidden must be a list of at most {lim.max_hidden_layers} "
                          f"layer sizes, got {hidden!r}"[:200])
    n["hidden"] = [_number(f"network.hidden[{i}] (units)", h, 1, lim.max_units, True)
                   for i, h in enumerate(hidden)]
    act = n["activation"]
    if isinstance(act, list):                 # one activation per hidden layer
        if len(act) != len(n["hidden"]):
            raise ConfigError(f"network.activation lists {len(act)} activations for "
                              f"{len(n['hidden'])} hidden layers"[:200])
        n["activation"] = [_choice(f"hidden activation (layer {i + 1})", a, HIDDEN_ACTIVATIONS)
                           for i, a in enumerate(act)]
    else:
        n["activation"] = _choice("hidden activation", act, HIDDEN_ACTIVATIONS)
    n["output_activation"] = _choice("output activation", n["output_activation"],
                                     ("auto", *activations.available()))
    n["loss"] = _choice("loss", n["loss"], ("auto", *losses.available()))
    n["init"] = _choice("initialisation", n["init"], tuple(initializers.available()))
    n["seed"] = _number("network.seed", n["seed"], 0, 2**31 - 1, True)
    return n


def _training(t: dict[str, Any], lim: Limits) -> dict[str, Any]:
    name = _choice("optimizer", t["optimizer"], tuple(optim.available()))
    cls = optim.base._REGISTRY[name]
    t["optimizer_params"] = _hyperparameters(name, cls.defaults, t["optimizer_params"], lim)
    optim.get(name, **t["optimizer_params"])  # the optimizer's own range checks
    t["batch_mode"] = _choice("batch mode", t["batch_mode"], BATCH_MODES)
    t["batch_size"] = _number("training.batch_size", t["batch_size"], 1, lim.max_samples, True)
    if cls.full_batch_only and t["batch_mode"] != "batch":
        raise ConfigError(f"optimizer {name} needs the whole training set in each update; "
                          f"choose batch mode 'batch'")
    t["weight_decay"] = _number("training.weight_decay", t["weight_decay"], 0.0, lim.max_weight_decay)
    t["early_stopping"] = _bool("training.early_stopping", t["early_stopping"])
    t["patience"] = _number("training.patience", t["patience"], 1, lim.max_patience, True)
    t["max_epochs"] = _number("training.max_epochs", t["max_epochs"], 1, lim.max_epochs, True)
    t["speed"] = _number("training.speed (updates per second)", t["speed"], 0.1, lim.max_speed)
    t["seed"] = _number("training.seed", t["seed"], 0, 2**31 - 1, True)
    t["stop_when"] = _choice("training.stop_when", t["stop_when"], tuple(STOP_WHEN))
    kind = t["stop_when"]
    low, high, integer = ((1, lim.max_epochs, True) if kind == "epoch" else
                          (0.0, 1.0, False) if kind.endswith("accuracy") else
                          (-1e6, 1.0, False) if kind.endswith("r2") else (0.0, 1e6, False))
    t["stop_value"] = (_number(f"training.stop_value (for {kind})", t["stop_value"], low, high, integer)
                       if kind != "off" else 0.0)
    return t


def _hyperparameters(name: str, defaults: dict[str, Any], given: Any, lim: Limits) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ConfigError("training.optimizer_params must be an object")
    out = {}
    for key, value in given.items():
        if key not in defaults:
            raise ConfigError(f"unknown hyperparameter {key!r} for optimizer {name!r}; valid: "
                              f"{', '.join(defaults) or '(none)'}")
        where, default = f"{name}: {key}", defaults[key]
        if isinstance(default, bool):
            out[key] = _bool(where, value)
        elif isinstance(default, int):
            out[key] = _number(where, value, 0, lim.max_hyperparameter_int, True)
        elif isinstance(default, float):
            high = lim.max_learning_rate if key == "learning_rate" else 1e6
            out[key] = _number(where, value, 0.0, high)
        elif isinstance(default, str):
            if not isinstance(value, str) or len(value) > 40:
                raise ConfigError(f"{where} must be a short text, got {value!r}"[:200])
            out[key] = value
        elif isinstance(default, (tuple, list)):
            if not isinstance(value, list) or len(value) != len(default):
                raise ConfigError(f"{where} must be a list of {len(default)} numbers, got {value!r}"[:200])
            out[key] = tuple(_number(where, v, 0.0, 1e6) for v in value)
        else:  # pragma: no cover - a registry entry of a new kind
            raise ConfigError(f"{where} cannot be set from the playground")
    return out


def resolve_output(network: dict[str, Any], task: str) -> tuple[str, str]:
    """The output activation and loss, with ``"auto"`` made the task's usual choice: sigmoid for
    two classes, softmax for more, identity for regression, and the output's canonical loss."""
    out = network["output_activation"]
    if out == "auto":
        out = {"binary": "sigmoid", "multiclass": "softmax", "regression": "identity"}[task]
    loss = network["loss"]
    if loss == "auto":
        loss = next((name for name in losses.available() if losses.get(name).canonical == out),
                    "squared_error")
    return out, loss


def n_params(sizes: list[int]) -> int:
    """Weights and biases of a network with these layer sizes."""
    return sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:]))
