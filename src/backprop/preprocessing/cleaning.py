"""Cleaning: mean imputation of missing values, removal of constant columns."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._errors import ConfigError, DataError
from .base import Transformer, check_flags, is_nan

class MeanImputer(Transformer):
    """Replace missing values by the column's mean over the training data (the lecture's tip).

    Parameters
    ----------
    missing_values : float
        ``np.nan`` (default) or a sentinel such as 0 (Pima's zeros in glucose,
        blood pressure, skin fold, insulin and BMI).  NaN always counts as
        missing in the chosen columns.
    columns : sequence of int or str, optional
        The columns to impute (names need a DataFrame at ``fit``); default all.
        The sentinel is left untouched in every other column.
    add_indicator : bool
        Append one 0/1 column per imputed column that had missing values in
        training (scikit-learn's ``SimpleImputer(add_indicator=True)``).
    """

    _arrays = ("columns_", "statistics_", "indicator_features_")

    def __init__(self, missing_values: float = np.nan, columns: Sequence[int | str] | None = None,
                 add_indicator: bool = False):
        self.missing_values, self.columns, self.add_indicator = missing_values, columns, add_indicator

    def _params_json(self):
        params = super()._params_json()
        mv = self.missing_values
        params["missing_values"] = "nan" if is_nan(mv) else float(mv)
        params["columns"] = None if self.columns is None else [
            c if isinstance(c, str) else int(c) for c in self.columns]
        return params

    @classmethod
    def _params_from_json(cls, params):
        mv = params.get("missing_values", "nan")
        return {**params, "missing_values": np.nan if mv == "nan" else mv}

    def _missing(self, A: np.ndarray) -> np.ndarray:
        mask = np.isnan(A)
        if not is_nan(self.missing_values):
            mask |= A == self.missing_values
        return mask

    def _resolve_columns(self, n: int) -> np.ndarray:
        if self.columns is None:
            return np.arange(n)
        cols = []
        for c in self.columns:
            if isinstance(c, str):
                if not self.feature_names_in_ or c not in self.feature_names_in_:
                    raise ConfigError(f"MeanImputer: unknown column {c!r}; valid: "
                                      f"{', '.join(self.feature_names_in_ or [])} or indices 0..{n - 1}")
                c = self.feature_names_in_.index(c)
            elif not isinstance(c, (int, np.integer)) or not -n <= c < n:
                raise ConfigError(f"MeanImputer: column {c!r} out of range; valid: 0..{n - 1}")
            cols.append(int(c) % n)
        return np.array(sorted(set(cols)), dtype=np.intp)

    def fit(self, X: Any, y: Any = None) -> "MeanImputer":
        X = self._validate(X, fit=True)
        self.columns_ = self._resolve_columns(X.shape[1])
        A = X[:, self.columns_]
        miss = self._missing(A)
        count = (~miss).sum(axis=0)
        if np.any(count == 0):
            j = int(self.columns_[np.argmax(count == 0)])
            raise DataError(f"MeanImputer: {self._label(j)} has only missing values in the training "
                            "data, so it has no mean; drop it or leave it out of `columns`")
        self.statistics_ = np.where(miss, 0.0, A).sum(axis=0) / count
        self.indicator_features_ = (self.columns_[miss.any(axis=0)] if self.add_indicator
                                    else np.zeros(0, np.intp))
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        A = X[:, self.columns_]
        miss = self._missing(A)
        X[:, self.columns_] = np.where(miss, self.statistics_, A)
        if not self.add_indicator:
            return X
        pos = np.searchsorted(self.columns_, self.indicator_features_)
        return np.hstack([X, miss[:, pos].astype(X.dtype)])

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Put ``missing_values`` back where the indicator says; without indicator: unchanged."""
        self._check_fitted()
        X = np.array(X, dtype=float, copy=True)
        n, m = self.n_features_in_, len(self.indicator_features_)
        if X.ndim != 2 or X.shape[1] != n + m:
            raise DataError(f"X must have {n + m} columns for MeanImputer.inverse_transform, "
                            f"got shape {X.shape}")
        out = X[:, :n]
        for i, j in enumerate(self.indicator_features_):
            out[X[:, n + i] > 0.5, j] = self.missing_values
        return out

    def _check_params(self) -> None:
        mv, cols = self.missing_values, self.columns
        number = isinstance(mv, (int, float, np.number)) and not isinstance(mv, (bool, np.bool_))
        if not number or np.isinf(mv):
            raise ConfigError(f"missing_values must be NaN or a finite number, got {mv!r}")
        if cols is not None and (not isinstance(cols, (list, tuple)) or not all(
                isinstance(c, (str, int, np.integer)) and not isinstance(c, bool) for c in cols)):
            raise ConfigError(f"columns must be None or a list of column indices or names, got {cols!r}")
        check_flags(self, "add_indicator")

    def _check_state(self) -> None:
        n = self.n_features_in_
        cols = self._state_array("columns_", None, "i")
        if len(cols) and (cols[0] < 0 or cols[-1] >= n or np.any(np.diff(cols) <= 0)):
            raise DataError(f"MeanImputer.columns_ must be increasing column indices in 0..{n - 1}")
        self._state_array("statistics_", len(cols))
        ind = self._state_array("indicator_features_", None, "i")
        if (not np.isin(ind, cols).all() or np.any(np.diff(ind) <= 0)
                or (len(ind) and not self.add_indicator)):
            raise DataError("MeanImputer.indicator_features_ must be increasing imputed columns "
                            "(and empty without add_indicator)")

    def export_ops(self) -> list:
        """``x_j <- mean_j`` where x_j is NaN (imputed columns; NaN elsewhere: left as is)."""
        self._check_fitted()
        if not is_nan(self.missing_values) or len(self.indicator_features_):
            raise ConfigError("MeanImputer with a missing-value sentinel other than NaN or with "
                              "indicator columns cannot be exported (export ops: NaN -> value only)")
        value = np.full(self.n_features_in_, np.nan)
        value[self.columns_] = self.statistics_
        return [("impute", {"value": value})]

    def _source_columns(self) -> np.ndarray:
        return np.concatenate([np.arange(self.n_features_in_), np.full(len(self.indicator_features_), -1)])


class ConstantColumnRemover(Transformer):
    """Drop the columns that are constant in the training data (they cannot inform a prediction)."""

    _arrays = ("keep_", "constant_values_")

    def __init__(self) -> None:
        pass

    def fit(self, X: Any, y: Any = None) -> "ConstantColumnRemover":
        X = self._validate(X, fit=True)
        self.keep_ = ~(np.ptp(X, axis=0) == 0)  # a column holding NaN is kept
        if not self.keep_.any():
            raise DataError("ConstantColumnRemover: every column of X is constant; nothing left to learn from")
        self.constant_values_ = X[0, ~self.keep_]
        return self

    def transform(self, X: Any) -> np.ndarray:
        return self._validate(X)[:, self.keep_]

    def inverse_transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.keep_.sum():
            raise DataError(f"X must have {self.keep_.sum()} columns, got shape {X.shape}")
        out = np.empty((X.shape[0], self.n_features_in_))
        out[:, self.keep_] = X
        out[:, ~self.keep_] = self.constant_values_
        return out

    def _check_state(self) -> None:
        keep = self._state_array("keep_", self.n_features_in_, "b")
        if not keep.any():
            raise DataError("ConstantColumnRemover.keep_ keeps no column")
        self._state_array("constant_values_", int((~keep).sum()))

    def _source_columns(self) -> np.ndarray:
        return np.flatnonzero(self.keep_)


