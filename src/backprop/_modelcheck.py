"""Checks of a model's contents that :func:`backprop.io.load_model` makes beyond the format:
finite parameters, and the metadata fields backprop itself writes.

``metadata`` is free-form JSON, except for the keys the CLI (``csv``, ``target``,
``summary``) and the estimators (``estimator``, ``params``, ``n_iter``, ``t``,
``stop_reason``) write and read back: those must have their types, and the CSV
reading spec must fit the network's inputs, so that ``backprop predict`` never
trips over a crafted value.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._csv_detect import normalize_delimiter
from ._errors import ConfigError
from ._modelfile import short


def nonfinite_params(net: Any) -> str | None:
    """Where the first NaN or infinity in ``net.params`` is (``NaN in layer 1's W[0, 2]``), or None."""
    if np.isfinite(net.params).all():
        return None
    for number, layer in enumerate(net.layers, 1):
        for name, a in (("W", layer.W), ("b", layer.b)):
            bad = np.argwhere(~np.isfinite(a))
            if len(bad):
                kind = "NaN" if np.isnan(a[tuple(bad[0])]) else "infinity"
                return f"{kind} in layer {number}'s {name}[{', '.join(map(str, bad[0]))}]"
    return "NaN or infinity"  # pragma: no cover - layers cover every parameter


def _is(kind: type, none: bool = False) -> Callable[[Any], bool]:
    """A test for a value of type ``kind`` (a bool is no int), or None if ``none``."""
    return lambda v: (none and v is None) or (isinstance(v, kind) and not isinstance(v, bool))


def _count(v: Any) -> bool:
    return _is(int)(v) and v >= 0


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


def _distinct_strings(v: Any) -> bool:
    return _strings(v) and len(set(v)) == len(v)


def _delimiter(v: Any) -> bool:
    try:
        return isinstance(v, str) and normalize_delimiter(v) == v
    except ConfigError:
        return False


#: metadata key -> (test, what it must be)
FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "target": (_is(str, True), "a column name or null"),
    "summary": (_is(dict), "an object"),
    "estimator": (_is(str), "a class name"),
    "params": (_is(dict), "an object of constructor arguments"),
    "n_iter": (_count, "a non-negative integer"),
    "t": (_count, "a non-negative integer"),
    "stop_reason": (_is(str, True), "a string or null"),
    "csv": (_is(dict, True), "an object"),
}
CSV_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "delimiter": (_delimiter, "one character (not a quote or line break), 'whitespace' or 'auto'"),
    "header": (lambda v: isinstance(v, bool) or v == "auto", "true, false or 'auto'"),
    "columns": (lambda v: v is None or (_distinct_strings(v) and len(v) > 0),
                "a list of distinct column names"),
    "target": (_is(str, True), "a column name or null"),
    "categories": (lambda v: isinstance(v, dict) and all(_distinct_strings(c) and c for c in v.values()),
                   "an object mapping column names to lists of distinct categories"),
    "missing": (_strings, "a list of strings"),
    "drop": (_strings, "a list of column names"),
}


def _check(fields: dict, values: dict, where: str) -> None:
    for key, (test, what) in fields.items():
        if key in values and not test(values[key]):
            raise ConfigError(f"{where}.{key} must be {what}, got {_show(values[key])}")


def _show(v: Any) -> str:
    return short(repr(v), 60)


def check_metadata(model: Any) -> None:
    """ConfigError naming the first metadata field that backprop would misread."""
    meta = model.metadata
    _check(FIELDS, meta, "metadata")
    csv = meta.get("csv")
    if csv is None:
        return
    _check(CSV_FIELDS, csv, "metadata.csv")
    columns, target = csv.get("columns"), csv.get("target")
    categories = csv.get("categories") or {}
    if columns is None:
        return
    if target is not None and target not in columns:
        raise ConfigError(f"metadata.csv.target {_show(target)} is not one of metadata.csv.columns")
    drop = set(csv.get("drop") or ())
    for name in drop:
        if name not in columns or name == target:
            raise ConfigError(f"metadata.csv.drop names {_show(name)}, which is not an input "
                              "column in metadata.csv.columns")
    for name in categories:
        if name not in columns or name == target or name in drop:
            raise ConfigError(f"metadata.csv.categories names {_show(name)}, which is not an input "
                              "column in metadata.csv.columns")
    width = sum(len(categories.get(c, [c])) for c in columns if c != target and c not in drop)
    n_in = model.n_features_in
    if n_in is not None and width != n_in:
        raise ConfigError(f"metadata.csv describes {width} input column(s) (columns without the "
                          f"target, one-hot categories expanded); the model takes {n_in}")
    if model.feature_names is not None and width != len(model.feature_names):
        raise ConfigError(f"metadata.csv describes {width} input column(s), but the model has "
                          f"{len(model.feature_names)} feature names")
