"""What one network and a stack of K networks share: the parameter layout and the input checks.

The layout: layer l's ``W`` (``n_out x n_in``) and then its ``b`` (``n_out``),
layer after layer, along the last axis of any array -- ``params`` (P,), a
stack's ``(K, P)``, per-sample gradients ``(n, P)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import losses
from ._errors import ConfigError, DataError, check_choice, check_finite

__all__ = ["layer_views", "gradient_buffer", "loss_for", "sample_scale"]

REDUCTIONS = ("sum", "mean")


def layer_views(layer_sizes: Sequence[int], array: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-layer ``(W, b)`` views into ``array`` (shape ``(..., P)``): ``W`` is ``(..., n_out, n_in)``."""
    lead, views, at = array.shape[:-1], [], 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = array[..., at:at + n_out * n_in].reshape(*lead, n_out, n_in)
        at += n_out * n_in
        views.append((W, array[..., at:at + n_out]))
        at += n_out
    return views


def gradient_buffer(out: np.ndarray | None, params: np.ndarray) -> np.ndarray:
    """``out`` if it can hold a gradient of ``params`` (same shape and dtype), else DataError;
    a new array when ``out`` is None."""
    if out is None:
        return np.empty_like(params)
    if out.shape != params.shape or out.dtype != params.dtype:
        raise DataError(f"out must have shape {params.shape} and dtype {params.dtype}")
    return out


def loss_for(loss: str, reduction: str, output_activation) -> losses.Loss:
    """The loss ``loss``, checked against ``reduction`` and the output activation it needs."""
    lossf = losses.get(loss)
    check_choice("reduction", reduction, REDUCTIONS)
    if lossf.outputs is not None and output_activation.name not in lossf.outputs:
        raise ConfigError(f"loss {lossf.name!r} needs an output activation in "
                          f"{list(lossf.outputs)}, got {output_activation.name!r}")
    return lossf


def sample_scale(w, shape: tuple[int, ...], reduction: str, dtype: np.dtype,
                 expected: str | None = None) -> np.ndarray:
    """Checked sample weights of ``shape``, divided by their sum (per row) under ``"mean"``.

    ``expected`` is the shape named in the error message (default: ``shape``).
    """
    w = np.asarray(w, dtype=dtype)
    if w.shape != shape:
        raise DataError(f"sample_weight must have shape {expected or shape}, got {w.shape}")
    check_finite("sample_weight", w)
    if np.any(w < 0):
        raise DataError("sample_weight must be non-negative")
    if reduction == "mean":
        total = w.sum(axis=-1, keepdims=True)
        if np.any(total <= 0):
            raise DataError("sample_weight sums to zero" + (" for some model" if w.ndim > 1 else ""))
        w = w / total
    return w
