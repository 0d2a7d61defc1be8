"""The base of every optimizer that asks an oracle (full batch, one network)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ConfigError, check_choice
from .base import Optimizer, State
from .oracle import require_oracle


class OracleMethod(Optimizer):
    """Optimizer that evaluates E at other points than ``params``: needs ``oracle=``.

    Subclasses list string-valued hyperparameters with their choices in
    ``choices``; ``_begin`` checks the oracle and the shape and counts the update.
    """

    needs_oracle = True
    full_batch_only = True
    choices: dict[str, tuple[str, ...]] = {}

    def _check(self) -> None:
        for key, valid in self.choices.items():
            check_choice(f"{self.name}: {key}", self.hyperparameters[key], valid)

    def _begin(self, grad: np.ndarray, state: State, params: np.ndarray, oracle: Any) -> None:
        require_oracle(self.name, oracle)
        if np.ndim(params) != 1 or np.shape(grad) != np.shape(params):
            raise ConfigError(f"optimizer {self.name!r} trains one network at a time: params and grad "
                              f"must have shape (P,), got {np.shape(params)} and {np.shape(grad)}")
        state["t"] += 1

    @staticmethod
    def _loss_at(state: State, params: np.ndarray, oracle: Any) -> float:
        """E(params), reusing the value the last update found at params + step."""
        x = state.get("x_next")
        if x is not None and np.array_equal(x, params):
            return state["f_next"]
        return oracle.loss(params)

    @staticmethod
    def _remember(state: State, params: np.ndarray, step: np.ndarray, f: float) -> None:
        """Record E at params + step so the next update need not evaluate it again."""
        if np.isfinite(f):
            state["x_next"] = params + step
            state["f_next"] = float(f)
        else:
            state.pop("x_next", None)
