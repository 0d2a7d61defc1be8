"""Optimizers by name: ``backprop.optim.get("adam", learning_rate=1e-3)``.

See :mod:`backprop.optim.base` for the contract and ``docs/optimizers.md``
for every update rule and the mapping of hyperparameter names to
scikit-learn's, Keras's and PyTorch's.
"""

from . import first_order, second_order  # noqa: F401  (registration)
from .base import Optimizer, available, get, register

__all__ = ["Optimizer", "available", "get", "register"]
