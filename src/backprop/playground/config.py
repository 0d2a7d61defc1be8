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
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["DATASETS", "BATCH_MODES", "defaults", "validate", "options"]

DATASETS = ("xor", "circles", "spirals", "clusters", "curve", "csv")
BATCH_MODES = ("online", "minibatch", "batch")
HIDDEN_ACTIVATIONS = tuple(a for a in activations.available() if a != "softmax")

_DEFAULTS: dict[str, dict[str, Any]] = {
    "data": {"name": "xor", "n_samples": 4, "noise": 0.0, "test_fraction": 0.0, "classes": 3,
             "seed": 0, "standardize": False, "csv": None},
    "network": {"hidden": [2], "activation": "sigmoid", "output_activation": "sigmoid",
                "loss": "squared_error", "init": "uniform", "seed": 0},
    "training": {"optimizer": "sgd", "optimizer_params": {"learning_rate": 2.0, "momentum": 0.9},
                 "batch_mode": "batch", "batch_size": 10, "weight_decay": 0.0,
                 "early_stopping": False, "patience": 50, "max_epochs": 100_000, "speed": 300.0,
                 "seed": 0},
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
    if d["name"] == "csv":
        if not isinstance(d["csv"], str) or not d["csv"].strip():
            raise ConfigError("data set 'csv' needs the file's text in data.csv")
        if len(d["csv"].encode()) > lim.max_csv_bytes:
            raise ConfigError(f"data.csv is {len(d['csv'].encode())} bytes; the limit is "
                              f"{lim.max_csv_bytes} bytes")
    else:
        d["csv"] = None
    return d


def _network(n: dict[str, Any], lim: Limits) -> dict[str, Any]:
    hidden = n["hidden"]
    if not isinstance(hidden, list) or len(hidden) > lim.max_hidden_layers:
        raise ConfigError(f"network.hidden must be a list of at most {lim.max_hidden_layers} "
                          f"layer sizes, got {hidden!r}"[:200])
    n["hidden"] = [_number(f"network.hidden[{i}] (units)", h, 1, lim.max_units, True)
                   for i, h in enumerate(hidden)]
    n["activation"] = _choice("hidden activation", n["activation"], HIDDEN_ACTIVATIONS)
    n["output_activation"] = _choice("output activation", n["output_activation"],
                                     tuple(activations.available()))
    n["loss"] = _choice("loss", n["loss"], tuple(losses.available()))
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


def options(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Everything the page offers: choices, optimizer hyperparameters with ranges, limits, defaults."""
    opts = []
    for name in optim.available():
        cls = optim.base._REGISTRY[name]
        params = []
        for key, default in cls.defaults.items():
            kind = ("bool" if isinstance(default, bool) else "int" if isinstance(default, int)
                    else "float" if isinstance(default, float) else "text" if isinstance(default, str)
                    else "list")
            rng = cls.ranges.get(key)
            params.append({"name": key, "kind": kind,
                           "default": list(default) if isinstance(default, tuple) else default,
                           "low": rng[0] if rng else None,
                           "high": rng[1] if rng and len(rng) > 1 else None})
        opts.append({"name": name, "second_order": bool(cls.needs_oracle),
                     "full_batch_only": bool(cls.full_batch_only), "params": params})
    return {"datasets": list(DATASETS), "activations": list(HIDDEN_ACTIVATIONS),
            "output_activations": activations.available(), "losses": losses.available(),
            "inits": initializers.available(), "batch_modes": list(BATCH_MODES),
            "optimizers": opts, "limits": limits.to_dict(), "defaults": defaults()}
