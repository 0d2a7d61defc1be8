"""Bounds on everything a page can ask for, so no page can exhaust the machine.

Every number a browser sends is checked against these before anything is built
(:mod:`.config`); the server enforces the per-connection ones (:mod:`.server`).
A :class:`Limits` can be tightened or loosened when the server starts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Limits", "DEFAULT_LIMITS"]


@dataclass(frozen=True)
class Limits:
    """Upper (and lower) bounds enforced by the playground server."""

    max_sessions: int = 32              # concurrent sessions (browser tabs) per server
    max_hidden_layers: int = 10         # TensorFlow Playground: 6
    max_units: int = 128                # units per hidden layer (TensorFlow Playground: 8)
    max_params: int = 50_000            # weights and biases of the whole network
    max_inputs: int = 16                # network inputs: CSV columns or derived features
    min_samples: int = 4
    max_samples: int = 1000             # data points, training and test together
    max_classes: int = 10
    max_noise: float = 2.0
    max_test_fraction: float = 0.9
    max_epochs: int = 100_000           # epoch limit of one run (press play again to go on)
    max_patience: int = 1000
    max_weight_decay: float = 1.0
    max_learning_rate: float = 100.0
    max_hyperparameter_int: int = 1000  # integer hyperparameters (history sizes, ...)
    max_speed: float = 3000.0           # updates per second while playing
    max_grid: int = 41                  # landscape resolution (points per axis)
    max_message_bytes: int = 256 * 1024  # one WebSocket message (an uploaded CSV travels in one)
    max_csv_bytes: int = 200 * 1024
    rate_per_second: float = 40.0       # messages per connection per second (sustained)
    rate_burst: int = 80                # ... and in a burst
    busy_fraction: float = 0.5          # a playing session computes at most this share of a core

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_LIMITS = Limits()
