"""Derived input features, as TensorFlow Playground offers them: x1, x2, x1^2, x1*x2, sin(x1), ...

Each output column is one named feature of the input columns x1, x2, ... (1-based)::

    xi          the column itself
    xi^2        its square
    xi*xj       the product of two columns
    sin(xi)     its sine (radians)

``DerivedFeatures(["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])`` turns
points ``(x1, x2)`` into those seven columns, in that order.  Nothing is learnt from the
data; ``fit`` only checks that every named column exists.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from .._errors import ConfigError, DataError
from .base import Transformer

__all__ = ["DerivedFeatures", "parse_feature"]

_FEATURE = re.compile(r"^(?:x(\d+)|x(\d+)\^2|x(\d+)\*x(\d+)|sin\(x(\d+)\))$")


def parse_feature(name: str) -> tuple[str, tuple[int, ...]]:
    """``("id" | "square" | "product" | "sin", 0-based columns)`` of a feature name, else ConfigError."""
    m = _FEATURE.match(name) if isinstance(name, str) else None
    if m is None:
        raise ConfigError(f"unknown feature {name!r}; features are xi, xi^2, xi*xj and sin(xi) "
                          f"with column numbers i, j from 1 (e.g. x1, x2^2, x1*x2, sin(x1))"[:200])
    kind = ("id", "square", "product", "product", "sin")[m.lastindex - 1]
    cols = tuple(int(g) - 1 for g in m.groups() if g is not None)
    if min(cols) < 0:
        raise ConfigError(f"feature {name!r}: columns are numbered from 1")
    return kind, cols


class DerivedFeatures(Transformer):
    """Columns computed from the inputs by name (see the module docstring)."""

    def __init__(self, features: Sequence[str] = ("x1", "x2")):
        self.features = features

    def _parsed(self) -> list[tuple[str, tuple[int, ...]]]:
        names = list(self.features)
        if not names:
            raise ConfigError("DerivedFeatures needs at least one feature")
        if len(set(names)) != len(names):
            raise ConfigError(f"DerivedFeatures: a feature is listed twice in {names}"[:200])
        return [parse_feature(n) for n in names]

    def fit(self, X: Any, y: Any = None) -> "DerivedFeatures":
        X = self._validate(X, fit=True)
        width = max(max(cols) for _, cols in self._parsed()) + 1
        if width > X.shape[1]:
            raise DataError(f"DerivedFeatures: feature x{width} is asked for, but X has "
                            f"{X.shape[1]} columns")
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._validate(X)
        out = np.empty((X.shape[0], len(self.features)), dtype=X.dtype)
        for k, (kind, cols) in enumerate(self._parsed()):
            a = X[:, cols[0]]
            if kind == "id":
                out[:, k] = a
            elif kind == "square":
                np.multiply(a, a, out=out[:, k])
            elif kind == "product":
                np.multiply(a, X[:, cols[1]], out=out[:, k])
            else:
                np.sin(a, out=out[:, k])
        return out

    def _source_columns(self) -> np.ndarray:
        return np.array([cols[0] if kind == "id" else -1 for kind, cols in self._parsed()])

    def _params_json(self) -> dict[str, Any]:
        return {"features": [str(f) for f in self.features]}
