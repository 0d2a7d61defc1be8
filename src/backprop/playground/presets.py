"""The settings a data-set button loads, and what each is documented to reach.

Choosing a data set on the page loads its preset: every data, network and
training setting (the seeds included) over :func:`~.config.defaults`; only the
play speed is kept.  Each preset was chosen by experiment to learn its problem,
and ``reaches`` says what it gets to with its seeds: the stop condition
(``training.stop_when`` / ``stop_value``) it meets and the epoch by which it
meets it.  ``tests/test_playground_api.py`` trains every preset with the
session's own trainer options and checks the epoch; the browser test plays each
one on the page; ``benchmarks/playground_speed.py`` times them.
"""

from __future__ import annotations

from typing import Any

from .config import defaults

__all__ = ["PRESETS", "preset_config"]

_ADAM_MB = {"optimizer": "adam", "batch_mode": "minibatch", "batch_size": 10}

PRESETS: dict[str, dict[str, Any]] = {
    "xor": {
        "config": {"data": {"name": "xor"}, "network": {}, "training": {}},   # the lecture's 2-2-1, SGD
        "reaches": {"stop_when": "loss", "stop_value": 0.01, "by_epoch": 500},        # at 432
    },
    "circles": {
        "config": {"data": {"name": "circles", "n_samples": 200, "noise": 0.1, "test_fraction": 0.3},
                   "network": {"hidden": [4], "activation": "tanh", "loss": "binary_cross_entropy",
                               "init": "glorot_uniform"},
                   "training": {**_ADAM_MB, "optimizer_params": {"learning_rate": 0.03}}},
        "reaches": {"stop_when": "test_accuracy", "stop_value": 0.95, "by_epoch": 40},   # at 27
    },
    "spirals": {
        "config": {"data": {"name": "spirals", "n_samples": 600, "noise": 0.1, "test_fraction": 0.2,
                            "standardize": True},
                   "network": {"hidden": [32, 32, 32], "activation": "relu",
                               "loss": "binary_cross_entropy", "init": "glorot_uniform"},
                   "training": {**_ADAM_MB, "optimizer_params": {"learning_rate": 0.005}}},
        "reaches": {"stop_when": "test_accuracy", "stop_value": 0.95, "by_epoch": 100},  # at 66
    },
    "clusters": {
        "config": {"data": {"name": "clusters", "n_samples": 300, "noise": 0.8, "test_fraction": 0.3,
                            "classes": 4},
                   "network": {"hidden": [4], "activation": "tanh", "output_activation": "softmax",
                               "loss": "cross_entropy", "init": "glorot_uniform"},
                   "training": {**_ADAM_MB, "optimizer_params": {"learning_rate": 0.03}}},
        "reaches": {"stop_when": "test_accuracy", "stop_value": 0.9, "by_epoch": 15},    # at 10
    },
    "curve": {
        "config": {"data": {"name": "curve", "n_samples": 50, "noise": 0.1, "test_fraction": 0.2,
                            "plane": [0]},
                   "network": {"hidden": [6], "activation": "tanh", "output_activation": "identity",
                               "loss": "squared_error", "init": "glorot_uniform"},
                   "training": {**_ADAM_MB, "optimizer_params": {"learning_rate": 0.03}}},
        "reaches": {"stop_when": "test_r2", "stop_value": 0.9, "by_epoch": 250},          # at 217
    },
}


def train_preset(name: str, max_epochs: int | None = None) -> tuple[int | None, Any]:
    """Train preset ``name`` as its session would, straight through :class:`~backprop.Trainer`,
    until its stop condition holds; returns (the epoch it held at, or None; the session).

    The session is built but its thread never starts; the trainer gets the session's own options.
    """
    from ..training import Trainer
    from .config import validate
    from .session import Session
    s = Session(validate(preset_config(name, stop=True)), lambda kind, text: None)
    epochs = max_epochs or 2 * PRESETS[name]["reaches"]["by_epoch"]
    trainer = Trainer(**{**s.options, "epochs": epochs, "engine": "numpy"},   # the session's loop
                      callbacks=[lambda event: s.target_reached(trainer.run_)])
    trainer.fit(s.net, s.data.X_train, s.data.T_train)
    return s.target_epoch, s


def preset_config(name: str, stop: bool = False) -> dict[str, dict[str, Any]]:
    """The full settings of preset ``name`` (over the defaults); ``stop``: with its stop condition."""
    cfg = defaults()
    for part, values in PRESETS[name]["config"].items():
        cfg[part].update({k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                          for k, v in values.items()})
    if stop:
        reach = PRESETS[name]["reaches"]
        cfg["training"].update(stop_when=reach["stop_when"], stop_value=reach["stop_value"])
    return cfg
