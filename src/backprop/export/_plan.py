"""What every exporter needs: the model as plain arrays and a short list of operations.

Preprocessing is folded into exported code through an optional method of the
transformer, ``export_ops() -> list[(op, arrays)]``, with ``op`` one of

    "impute"   {"value": v}                    x_j <- v_j where x_j is NaN
    "affine"   {"offset": a, "scale": m}       x_j <- (x_j - a_j) m_j

(arrays broadcast over the columns).  A target transform made only of
"affine" steps is inverted on the output: y_j <- z_j / m_j + a_j, last step first.

Class labels and feature names are user data (a CSV's cells): exporters embed
them only as escaped literals, never as code or comment text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import activations
from .._errors import ConfigError, check_choice
from ..model import TASKS, Model

OPS = ("impute", "affine")
# Every registered activation: each exporter implements them all (tests/test_export.py runs each).
ACTIVATIONS = tuple(activations.available())
_KEYS = {"impute": ("value",), "affine": ("offset", "scale")}
LABEL_TYPES = (str, bool, int, float, type(None))


@dataclass
class Plan:
    """A model reduced to data: input ops, layers ``(W, b, activation)``, output ops."""

    n_inputs: int
    input_ops: list[tuple[str, dict[str, np.ndarray]]]
    layers: list[tuple[np.ndarray, np.ndarray, str]]
    output_ops: list[tuple[str, dict[str, np.ndarray]]]
    task: str
    classes: list[Any] | None
    feature_names: list[str] | None

    @property
    def n_outputs(self) -> int:
        return self.layers[-1][0].shape[0]


def _ops(obj: Any, what: str, width: int) -> list[tuple[str, dict[str, np.ndarray]]]:
    fn = getattr(obj, "export_ops", None)
    if fn is None:
        raise ConfigError(f"{what} ({type(obj).__name__}) cannot be exported: it has no export_ops(); "
                          "export the network alone (include_preprocessing=False, --network-only) "
                          "and apply the preprocessing before calling it")
    out = []
    for op, arrays in fn():
        if op not in _KEYS or set(arrays) != set(_KEYS[op]):
            raise ConfigError(f"{what} ({type(obj).__name__}) exports op {op!r} with arrays "
                              f"{sorted(arrays)}; supported: impute(value), affine(offset, scale)")
        try:
            out.append((op, {k: np.broadcast_to(np.asarray(v, np.float64).ravel(), (width,)).copy()
                             for k, v in arrays.items()}))
        except ValueError:
            raise ConfigError(f"{what} ({type(obj).__name__}): export arrays do not fit "
                              f"{width} columns") from None
    return out


def make_plan(model: Model, include_preprocessing: bool = True) -> Plan:
    """Reduce ``model`` to a :class:`Plan` (float64 arrays); ConfigError if a step cannot be exported."""
    if not isinstance(model, Model):
        raise ConfigError(f"export needs a backprop Model, got {type(model).__name__}")
    net = model.network
    layers = [(np.array(l.W, np.float64), np.array(l.b, np.float64), l.activation.name)
              for l in net.layers]
    for act in net.activations:
        if act not in ACTIVATIONS:
            raise ConfigError(f"activation {act!r} cannot be exported yet; exportable: "
                              f"{', '.join(ACTIVATIONS)}")
    check_choice("task", model.task, TASKS)
    for k, c in enumerate(model.classes or []):
        if not isinstance(c, LABEL_TYPES):
            raise ConfigError(f"class label {k} is a {type(c).__name__}; exported labels must be "
                              "str, int, float, bool or None")
    input_ops: list = []
    output_ops: list = []
    if include_preprocessing:
        for i, step in enumerate(model.preprocessing):
            input_ops += _ops(step, f"preprocessing step {i}", net.n_inputs)
        if model.target_transform is not None:
            for op, arrays in reversed(_ops(model.target_transform, "the target transform",
                                            net.n_outputs)):
                if op != "affine":
                    raise ConfigError(f"the target transform's {op!r} step cannot be inverted "
                                      "in exported code; only affine steps can")
                output_ops.append((op, arrays))
    return Plan(net.n_inputs, input_ops, layers, output_ops, model.task,
                None if model.classes is None else list(model.classes),
                None if model.feature_names is None else list(model.feature_names))


def label_text(label: Any) -> str:
    """A class label as text: a string as it is, any other label as Python's ``str`` (``nan``, ``True``)."""
    return label if isinstance(label, str) else str(label)


def num(v: float, inf: str = "math.inf", nan: str = "math.nan") -> str:
    """A float as an exact literal (``repr`` round-trips); non-finite values by name."""
    v = float(v)
    if np.isnan(v):
        return nan
    if np.isinf(v):
        return inf if v > 0 else "-" + inf
    return repr(v)
