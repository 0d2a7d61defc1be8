"""The architecture checks, the parameter layout and the input checks of a network (one, or K on
a leading axis).

The layout: layer l's ``W`` (``n_out x n_in``) and then its ``b`` (``n_out``),
layer after layer, along the last axis of any array -- ``params`` (P,), a
stack's ``(K, P)``, per-sample gradients ``(n, P)``.

Inputs are ``(n, n_in)`` (shared by every model) or, for K models,
``(K, n, n_in)`` (each model's own); targets and sample weights likewise.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import activations, losses
from ._errors import ConfigError, DataError, check_choice, check_finite

__all__ = ["check_sizes", "layer_activations", "layer_views", "weight_mask", "gradient_buffer",
           "loss_for", "sample_scale", "check_inputs", "check_targets", "check_weights"]

REDUCTIONS = ("sum", "mean")


def check_sizes(layer_sizes: Sequence[int]) -> list[int]:
    """``layer_sizes`` as a list of ints >= 1 (inputs first), at least two of them."""
    try:
        sizes = [int(n) for n in layer_sizes]
    except (TypeError, ValueError):
        raise ConfigError(f"layer_sizes must be a sequence of integers, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ConfigError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    if any(n < 1 for n in sizes) or any(float(a) != b for a, b in zip(layer_sizes, sizes)):
        raise ConfigError(f"every layer size must be an integer >= 1, got {list(layer_sizes)}")
    return sizes


def layer_activations(activation, output_activation, n_layers: int) -> list:
    """One activation record per weight layer: one name for all (the output's own if given),
    or a name per layer; softmax only at the output."""
    if isinstance(activation, str):
        names = [activation] * n_layers
        names[-1] = output_activation or activation
    else:
        names = list(activation)
        if len(names) != n_layers:
            raise ConfigError(f"got {len(names)} activations for {n_layers} weight layers")
        if output_activation is not None:
            names[-1] = output_activation
    acts = [activations.get(n) for n in names]
    if any(not a.elementwise for a in acts[:-1]):
        raise ConfigError("softmax is only available as the output activation")
    return acts


def layer_views(layer_sizes: Sequence[int], array: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-layer ``(W, b)`` views into ``array`` (shape ``(..., P)``): ``W`` is ``(..., n_out, n_in)``."""
    lead, views, at = array.shape[:-1], [], 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = array[..., at:at + n_out * n_in].reshape(*lead, n_out, n_in)
        at += n_out * n_in
        views.append((W, array[..., at:at + n_out]))
        at += n_out
    return views


def weight_mask(layer_sizes: Sequence[int], like: np.ndarray, value: float = 1.0) -> np.ndarray:
    """``value`` at every weight and 0 at every bias, in the layout (and shape) of ``like``."""
    mask = np.zeros_like(like)
    for W, _ in layer_views(layer_sizes, mask):
        W[...] = value
    return mask


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
    if reduction not in REDUCTIONS:
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


def _per_model(name: str, A: np.ndarray, shape: tuple, shown: tuple, dtype: np.dtype) -> np.ndarray:
    if A.shape != shape or A.dtype.kind not in "fiub":
        raise DataError(f"per-model {name} must be numeric with shape {shown}, got {A.shape}"
                        + (f" of dtype {A.dtype}" if name == "X" else ""))
    A = np.ascontiguousarray(A, dtype=dtype)
    check_finite(name, A)
    return A


def check_inputs(X, n_inputs: int, K: int | None, dtype: np.dtype) -> np.ndarray:
    """``X`` as a C-contiguous ``(n, n_inputs)`` array (``(K, n, n_inputs)`` per model) of ``dtype``."""
    X = np.asarray(X)
    if K is not None and X.ndim == 3:
        return _per_model("X", X, (K, X.shape[1], n_inputs),
                          f"(K, n, n_inputs) = {(K, 'n', n_inputs)}", dtype)
    if X.dtype.kind not in "fiub":
        raise DataError(f"X must be numeric, got dtype {X.dtype}")
    if X.ndim == 1 and n_inputs == X.shape[0]:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != n_inputs:
        raise DataError(f"X must have shape (n_samples, {n_inputs}), got {X.shape}")
    X = np.ascontiguousarray(X, dtype=dtype)
    check_finite("X", X)
    return X


def check_targets(T, n: int, n_outputs: int, K: int | None, dtype: np.dtype) -> np.ndarray:
    """``T`` as ``(n, n_outputs)`` (``(K, n, n_outputs)`` per model); integer class labels
    become one-hot rows."""
    T = np.asarray(T)
    k = n_outputs
    if K is not None and T.ndim == 3:
        return _per_model("T", T, (K, n, k), (K, n, k), dtype)
    if T.dtype.kind not in "fiub":
        raise DataError(f"T must be numeric, got dtype {T.dtype}")
    if T.ndim == 1 and k > 1 and T.dtype.kind in "iu":
        if T.size and (T.min() < 0 or T.max() >= k):
            raise DataError(f"class indices in T must lie in [0, {k - 1}]")
        T = np.eye(k, dtype=dtype)[T]
    elif T.ndim == 1 and k == 1:
        T = T[:, None]
    elif T.ndim == 0 and k == 1 and n == 1:
        T = T.reshape(1, 1)
    if T.shape != (n, k):
        raise DataError(f"T must have shape ({n}, {k}) to match X and the {k} output units, "
                        f"got {T.shape}")
    T = np.ascontiguousarray(T, dtype=dtype)
    check_finite("T", T)
    return T


def check_weights(w, n: int, K: int | None, reduction: str, dtype: np.dtype) -> np.ndarray | None:
    """The per-sample factors p_i of E = sum_i p_i E_i: None for an unweighted sum,
    1/n for an unweighted mean, else the checked (normalised) ``sample_weight``."""
    if w is None:
        return None if reduction == "sum" else np.full(n, 1.0 / n, dtype)
    if K is not None and np.ndim(w) != 1:
        return sample_scale(w, (K, n), reduction, dtype, f"({n},) or ({K}, {n})")
    return sample_scale(w, (n,), reduction, dtype)
