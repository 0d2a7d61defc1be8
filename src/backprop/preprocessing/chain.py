"""An ordered chain of transformers, fitted on training data only."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._errors import BackpropError, ConfigError, DataError
from .base import State, Transformer, chain_width


class Preprocessor(Transformer):
    """An ordered chain of transformers, each fitted on the output of the one before.

    ``Preprocessor([MeanImputer(0, columns=[1, 2, 3, 4, 5]), MinMaxScaler()])``
    is fitted on the training data only and then applied unchanged to any
    data.  No NaN or infinity may remain after the last step: a column
    still holding one had no imputation asked for, and the DataError names
    it.  Column names of a DataFrame given to ``fit`` reach every step, so
    ``MeanImputer(columns=["insulin"])`` works inside the chain.
    """

    def __init__(self, steps: Sequence[Transformer] = ()):
        self.steps = steps

    def _check_steps(self) -> list[Transformer]:
        steps = list(self.steps)
        for s in steps:
            if not isinstance(s, Transformer):
                from . import TRANSFORMERS
                raise ConfigError(f"Preprocessor step {s!r} must be one of {', '.join(TRANSFORMERS)}")
        return steps

    def fit(self, X: Any, y: Any = None) -> "Preprocessor":
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        steps = self._check_steps()
        Z = self._validate(X, fit=True)
        src = np.arange(Z.shape[1])
        for step in steps:
            names = None
            if self.feature_names_in_:
                names = [self.feature_names_in_[j] if j >= 0 else f"indicator_{i}"
                         for i, j in enumerate(src)]
            Z = step.fit_transform(_Named(Z, names) if names else Z)
            inner = step._source_columns()
            src = np.where(inner < 0, -1, src[np.maximum(inner, 0)])
        return self._check_left(Z)

    def transform(self, X: Any) -> np.ndarray:
        Z = self._validate(X)
        for step in self._check_steps():
            Z = step.transform(Z)
        return self._check_left(Z)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo every step in reverse order (see each step for what it can undo)."""
        self._check_fitted()
        Z = np.asarray(X, dtype=float)
        for step in reversed(self._check_steps()):
            Z = step.inverse_transform(Z)
        return Z

    def export_ops(self) -> list:
        """Every step's export ops in order; a step without ``export_ops`` cannot be exported."""
        ops = []
        for step in self._check_steps():
            if not hasattr(step, "export_ops"):
                raise ConfigError(f"Preprocessor step {type(step).__name__} cannot be exported")
            ops += step.export_ops()
        return ops

    def _source_columns(self) -> np.ndarray:
        src = np.arange(self.n_features_in_)
        for step in self._check_steps():
            inner = step._source_columns()
            src = np.where(inner < 0, -1, src[np.maximum(inner, 0)])
        return src

    def _check_left(self, Z: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(Z)
        if bad.any():
            j = int(np.argmax(bad.any(axis=0)))
            src = int(self._source_columns()[j])
            kind = "NaN" if np.isnan(Z[:, j]).any() else "infinity"
            where = self._label(src) if src >= 0 else f"output column {j}"
            raise DataError(f"{where} still contains {kind} after preprocessing: no imputation was "
                            "asked for it; add it to a MeanImputer's columns or clean the data")
        return Z

    def to_state(self) -> State:
        config, arrays = super().to_state()
        del config["params"]
        config["steps"] = []
        for i, step in enumerate(self._check_steps()):
            c, a = step.to_state()
            config["steps"].append(c)
            arrays.update({f"steps.{i}.{k}": v for k, v in a.items()})
        return config, arrays

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> "Preprocessor":
        from . import transformer_from_state
        saved = config.get("steps", []) if isinstance(config, dict) else None
        if not isinstance(saved, list) or not all(isinstance(c, dict) for c in saved):
            raise DataError(f"Preprocessor steps must be a list of objects, got {saved!r:.60}")
        steps = []
        for i, c in enumerate(saved):
            prefix = f"steps.{i}."
            try:
                steps.append(transformer_from_state(
                    c, {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}))
            except BackpropError as exc:
                raise DataError(f"Preprocessor step {i}: {exc}") from None
        return super().from_state({**config, "params": {"steps": steps}}, arrays)

    def _check_state(self) -> None:
        chain_width(self.steps, self.n_features_in_,
                    [f"Preprocessor step {i}" for i in range(len(self.steps))])


class _Named:
    """An array with column names, so that a step inside the chain sees them."""

    def __init__(self, a: np.ndarray, columns: list[str]):
        self.a, self.columns = a, columns

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array(self.a, dtype=dtype)  # always a copy: steps transform in place
