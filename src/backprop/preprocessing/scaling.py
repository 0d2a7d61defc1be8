"""Scalers: inputs to a range or to zero mean and unit variance; regression targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DataError, check_choice
from .base import Transformer, as_2d, check_flags, check_range, column_stat

class MinMaxScaler(Transformer):
    """Map each column's training range [min, max] linearly onto ``feature_range``.

    ``x' = x scale + offset`` with ``scale = (hi - lo) / (max - min)`` and
    ``offset = lo - min scale``; a constant column gets ``max - min = 1``.
    NaN passes through (statistics ignore it), as in scikit-learn.
    """

    _arrays = ("data_min_", "data_max_", "scale_", "min_")

    def __init__(self, feature_range: tuple[float, float] = (0, 1)):
        self.feature_range = feature_range

    @classmethod
    def _params_from_json(cls, params):
        return {**params, "feature_range": tuple(params.get("feature_range", (0, 1)))}

    def fit(self, X: Any, y: Any = None) -> "MinMaxScaler":
        lo, hi = check_range(self.feature_range)
        X = self._validate(X, fit=True)
        self.data_min_ = column_stat(self, X, np.nanmin)
        self.data_max_ = column_stat(self, X, np.nanmax)
        span = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / np.where(span == 0, 1.0, span)
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        X *= self.scale_
        X += self.min_
        return X

    def inverse_transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        X -= self.min_
        X /= self.scale_
        return X

    def _check_params(self) -> None:
        check_range(self.feature_range)

    def _check_state(self) -> None:
        n = self.n_features_in_
        low, high = self._state_array("data_min_", n), self._state_array("data_max_", n)
        self._state_array("min_", n)
        _nonzero(self, "scale_")
        if np.any(low > high):
            raise DataError("MinMaxScaler.data_min_ exceeds data_max_")

    def export_ops(self) -> list:
        """``x' = (x - a) m`` with ``a = -min_ / scale_``, ``m = scale_`` (see ``docs/export.md``)."""
        self._check_fitted()
        return [("affine", {"offset": -self.min_ / self.scale_, "scale": self.scale_})]


class StandardScaler(Transformer):
    """Standardise each column: ``x' = (x - mean) / std`` (population std; 1 for a constant column)."""

    _arrays = ("mean_", "scale_")

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        self.with_mean, self.with_std = with_mean, with_std

    def fit(self, X: Any, y: Any = None) -> "StandardScaler":
        X = self._validate(X, fit=True)
        mean = column_stat(self, X, np.nanmean)
        constant = np.nanmax(X, axis=0) == np.nanmin(X, axis=0)
        std = np.sqrt(np.nanmean((X - mean) ** 2, axis=0))
        self.mean_ = mean if self.with_mean else np.zeros_like(mean)
        self.scale_ = np.where(constant | (std == 0), 1.0, std) if self.with_std else np.ones_like(std)
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        X -= self.mean_
        X /= self.scale_
        return X

    def inverse_transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        X *= self.scale_
        X += self.mean_
        return X

    def _check_params(self) -> None:
        check_flags(self, "with_mean", "with_std")

    def _check_state(self) -> None:
        self._state_array("mean_", self.n_features_in_)
        if np.any(self._state_array("scale_", self.n_features_in_) <= 0):
            raise DataError("StandardScaler.scale_ must be positive (a standard deviation, 1 for a "
                            "constant column)")

    def export_ops(self) -> list:
        """``x' = (x - mean) / std`` as one affine op (see ``docs/export.md``)."""
        self._check_fitted()
        return [("affine", {"offset": self.mean_, "scale": 1.0 / self.scale_})]



class TargetScaler(Transformer):
    """Scale regression targets (1-D or 2-D) and map predictions back with ``inverse_transform``.

    ``method="standard"`` standardises, ``"minmax"`` maps onto ``feature_range``
    (use (0, 1) for a sigmoid output unit, (-1, 1) for tanh).
    """

    _arrays = ("offset_", "scale_")

    def __init__(self, method: str = "standard", feature_range: tuple[float, float] = (0, 1)):
        self.method, self.feature_range = method, feature_range

    @classmethod
    def _params_from_json(cls, params):
        return {**params, "feature_range": tuple(params.get("feature_range", (0, 1)))}

    def fit(self, X: Any, y: Any = None) -> "TargetScaler":
        check_choice("target scaling method", self.method, ("standard", "minmax"))
        Y = self._validate(as_2d(X), fit=True)
        inner = (StandardScaler() if self.method == "standard"
                 else MinMaxScaler(self.feature_range)).fit(Y)
        # one form for both: y' = (y - offset) / scale
        if self.method == "standard":
            self.offset_, self.scale_ = inner.mean_, inner.scale_
        else:
            self.offset_, self.scale_ = -inner.min_ / inner.scale_, 1.0 / inner.scale_
        return self

    def transform(self, X: Any) -> np.ndarray:
        y = np.asarray(X)
        return ((self._validate(as_2d(y)) - self.offset_) / self.scale_).reshape(y.shape)

    def inverse_transform(self, X: Any) -> np.ndarray:
        y = np.asarray(X)
        return (self._validate(as_2d(y)) * self.scale_ + self.offset_).reshape(y.shape)

    def _check_params(self) -> None:
        check_choice("target scaling method", self.method, ("standard", "minmax"))
        check_range(self.feature_range)

    def _check_state(self) -> None:
        self._state_array("offset_", self.n_features_in_)
        _nonzero(self, "scale_")

    def export_ops(self) -> list:
        """``y' = (y - offset) / scale`` as one affine op; exporters invert it on the outputs."""
        self._check_fitted()
        return [("affine", {"offset": self.offset_, "scale": 1.0 / self.scale_})]


def _nonzero(step: Transformer, attr: str) -> None:
    """Check the fitted array ``attr`` (one finite float per column) holds no zero: it divides."""
    if np.any(step._state_array(attr, step.n_features_in_) == 0):
        raise DataError(f"{type(step).__name__}.{attr} holds a zero (it divides)")
