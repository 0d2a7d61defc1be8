"""The transformer base class: scikit-learn style parameters, input checks, saving without pickle."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Sequence

import numpy as np

from .._errors import ConfigError, DataError

State = tuple[dict[str, Any], dict[str, np.ndarray]]


class Transformer:
    """Base class: scikit-learn style parameters, input checks and ``to_state``/``from_state``."""

    _arrays: ClassVar[tuple[str, ...]] = ()  # fitted array attributes saved by to_state

    # --- parameters (the scikit-learn protocol, so clone() works) --------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, as given."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "Transformer":
        """Set constructor arguments (takes effect at the next ``fit``)."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                  f"valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --- fitting protocol ------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "Transformer":
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X, y).transform(X)

    @property
    def fitted(self) -> bool:
        return hasattr(self, "n_features_in_")

    @property
    def n_features_out_(self) -> int:
        """Number of columns ``transform`` returns."""
        self._check_fitted()
        return len(self._source_columns())

    def _validate(self, X: Any, fit: bool = False) -> np.ndarray:
        """X as a new 2-D float array; on ``fit`` remember its width and column names."""
        names = getattr(X, "columns", None)
        X = np.array(X, copy=True)
        if X.dtype.kind not in "fiub":
            raise DataError(f"{type(self).__name__}: X must be numeric, got dtype {X.dtype}")
        X = X.astype(X.dtype if X.dtype in (np.float32, np.float64) else np.float64, copy=False)
        if X.ndim != 2:
            raise DataError(f"{type(self).__name__}: X must be 2-D (n_samples, n_features), "
                            f"got shape {X.shape}")
        if fit:
            if X.shape[0] == 0:
                raise DataError(f"{type(self).__name__}: cannot fit on 0 samples")
            self.n_features_in_ = X.shape[1]
            self.feature_names_in_ = None if names is None else [str(c) for c in names]
        else:
            self._check_fitted()
            if X.shape[1] != self.n_features_in_:
                raise DataError(f"X has {X.shape[1]} columns, but {type(self).__name__} was "
                                f"fitted on {self.n_features_in_}")
        return X

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ConfigError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _label(self, j: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return f"column {j}" + (f" ({names[j]!r})" if names else "")

    def _source_columns(self) -> np.ndarray:
        """For each output column, the input column it comes from (-1: new)."""
        return np.arange(self.n_features_in_)

    # --- saving without pickle -------------------------------------------
    def _params_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}

    @classmethod
    def _params_from_json(cls, params: dict[str, Any]) -> dict[str, Any]:
        return dict(params)

    def to_state(self) -> State:
        """``(config, arrays)``: JSON-able settings and the fitted arrays."""
        config: dict[str, Any] = {"type": type(self).__name__, "params": self._params_json(),
                                  "fitted": self.fitted}
        arrays: dict[str, np.ndarray] = {}
        if self.fitted:
            config["n_features_in"] = int(self.n_features_in_)
            config["feature_names_in"] = self.feature_names_in_
            arrays = {name: np.asarray(getattr(self, name)) for name in self._arrays}
        return config, arrays

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> "Transformer":
        """Rebuild a transformer saved by :meth:`to_state`, checking every value (a model file
        may be crafted): DataError naming the first setting or array that does not fit."""
        name = cls.__name__
        if not isinstance(config, dict) or config.get("type", name) != name:
            kind = config.get("type") if isinstance(config, dict) else config
            raise DataError(f"state of a {_show(kind)} cannot build a {name}")
        params = config.get("params", {})
        if not isinstance(params, dict):
            raise DataError(f"{name} params must be an object, got {_show(params)}")
        unknown = sorted(set(params) - set(cls._param_names()))
        if unknown:
            raise DataError(f"{name} has no parameter {_show(unknown[0])}; valid: "
                            f"{', '.join(cls._param_names())}")
        try:
            obj = cls(**cls._params_from_json(params))
            obj._check_params()
        except (ConfigError, TypeError, ValueError) as exc:
            raise DataError(f"{name}: invalid params ({exc})") from None
        fitted = config.get("fitted", False)
        if not isinstance(fitted, bool):
            raise DataError(f"{name} fitted must be true or false, got {_show(fitted)}")
        if fitted:
            n, names = config.get("n_features_in"), config.get("feature_names_in")
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise DataError(f"{name} n_features_in must be a positive integer, got {_show(n)}")
            if names is not None and (not isinstance(names, list) or len(names) != n
                                      or not all(isinstance(c, str) for c in names)):
                raise DataError(f"{name} feature_names_in must be {n} column names, got {_show(names)}")
            obj.n_features_in_, obj.feature_names_in_ = n, names
            for attr in cls._arrays:
                if attr not in arrays:
                    raise DataError(f"saved {name} lacks the array {attr!r}")
                setattr(obj, attr, np.array(arrays[attr]))
            obj._check_state()
        return obj

    def _check_params(self) -> None:
        """ConfigError if a constructor argument is of the wrong type or out of range."""

    def _check_state(self) -> None:
        """DataError if a fitted array loaded by :meth:`from_state` does not fit ``n_features_in_``."""

    def _state_array(self, attr: str, length: int | None, kinds: str = "f") -> np.ndarray:
        """The fitted array ``attr``, checked: shape ``(length,)`` (any length if None), dtype
        kind in ``kinds`` (``f``: float32/float64, ``i``: integers, ``b``: bool), finite."""
        a, where = getattr(self, attr), f"{type(self).__name__}.{attr}"
        if a.ndim != 1 or (length is not None and len(a) != length):
            raise DataError(f"{where} has shape {a.shape}; " + ("it must be 1-D" if length is None else
                            f"with n_features_in={self.n_features_in_} it must be ({length},)"))
        ok = {"f": a.dtype in (np.float32, np.float64), "i": a.dtype.kind in "iu", "b": a.dtype == bool}
        if not any(ok[k] for k in kinds):
            raise DataError(f"{where} has dtype {a.dtype}; expected "
                            + " or ".join({"f": "float", "i": "integer", "b": "bool"}[k] for k in kinds))
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise DataError(f"{where} holds NaN or infinity")
        return a


def chain_width(steps: Sequence[Any], width: int | None, labels: Sequence[str]) -> int | None:
    """The width after fitted ``steps`` applied in turn to ``width`` columns; ConfigError if a
    step is not fitted or was fitted on another width.  Steps that do not say their widths
    (``n_features_in_``, ``n_features_out_``) are taken on trust (the result is then None)."""
    for step, label in zip(steps, labels):
        what = f"{label} ({type(step).__name__})"
        if getattr(step, "fitted", True) is False:
            raise ConfigError(f"{what} is not fitted; fit it first")
        n_in = getattr(step, "n_features_in_", None)
        if n_in is not None and width is not None and n_in != width:
            raise ConfigError(f"{what} was fitted on {n_in} columns but gets {width}")
        width = getattr(step, "n_features_out_", None)
    return width


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:60] + "..."


def check_range(feature_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in feature_range)
    except (TypeError, ValueError):
        raise ConfigError(f"feature_range must be a pair (low, high), got {feature_range!r}") from None
    if not lo < hi:
        raise ConfigError(f"feature_range must have low < high, e.g. (0, 1) or (-1, 1); "
                          f"got {feature_range!r}")
    return lo, hi


def check_flags(step: Transformer, *names: str) -> None:
    """ConfigError unless each named constructor argument is True or False."""
    for name in names:
        if not isinstance(getattr(step, name), (bool, np.bool_)):
            raise ConfigError(f"{name} must be True or False, got {_show(getattr(step, name))}")


def column_stat(self: Transformer, X: np.ndarray, f: Any) -> np.ndarray:
    """``f`` over each column's non-NaN values; an all-NaN column is a DataError."""
    empty = np.all(np.isnan(X), axis=0)
    if empty.any():
        raise DataError(f"{type(self).__name__}: {self._label(int(np.argmax(empty)))} has no "
                        "values (all missing); impute or drop it first")
    return f(X, axis=0)


def is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and np.isnan(value)




def as_2d(y: Any) -> np.ndarray:
    """A 1-D target as one column; 2-D unchanged."""
    y = np.asarray(y)
    return y[:, None] if y.ndim == 1 else y
