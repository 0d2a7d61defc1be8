"""The fixed-point C export's integer arithmetic in NumPy, step for step (a test oracle).

:func:`run` computes what ``backprop_predict_q`` and ``backprop_predict_label_q``
return for input codes, with the same integer operations in the same order
(:mod:`._fixedmath` for the activations), so the tests can check the compiled C
bit for bit and look at the error of each stage.  :func:`codes` is
``backprop_quantize`` in float64 (the C computes it in float32, which may round
a code differently when a value sits on a half step).
"""

from __future__ import annotations

import numpy as np

from . import _fixedmath as fm
from .quantize import IN_MAX, IN_MIN, T_MAX, QLayer, Quantized, Requant, label_threshold


def codes(q: Quantized, X: np.ndarray) -> np.ndarray:
    """Input codes of the raw rows ``X`` (NaN: the fill code)."""
    X = np.asarray(X, np.float64)
    v = (X - q.in_lo) * q.in_inv_scale
    c = np.where(v <= 0, IN_MIN, np.where(v >= IN_MAX - IN_MIN, IN_MAX,
                                          np.floor(np.nan_to_num(v) + 0.5) + IN_MIN))
    return np.where(np.isnan(X), q.in_fill, c).astype(np.int64)


def _scaled(acc: np.ndarray, r: Requant) -> np.ndarray:
    if r.mult is not None:
        return fm.shr(acc * r.mult, r.shift)
    return fm.shr(acc, r.shift) if r.shift > 0 else acc * (1 << -r.shift)


def _code(bits: int, act: str, v: np.ndarray) -> np.ndarray:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if bits == 8:
        v = {"tanh": fm.shr(v, 8), "sigmoid": fm.shr(v, 8) - 128, "softmax": fm.shr(v, 7) - 128}[act]
    else:
        v = {"tanh": v, "sigmoid": v - 32768, "softmax": 2 * v - 32768}[act]
    return np.clip(v, lo, hi)


def _tanh(t: np.ndarray) -> np.ndarray:
    return np.sign(t) * fm.tanh_q15(np.abs(t))[0]


def _softmax(t: np.ndarray) -> np.ndarray:
    e = fm.exp_q15(t.max(axis=1, keepdims=True) - t)[0]
    total = e.sum(axis=1, keepdims=True)
    return ((e << 15) + total // 2) // total


def _layer(q: Quantized, L: QLayer, a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    acc = L.bias + a @ L.W.T
    t = None if L.logit is None else np.clip(_scaled(acc, L.logit), -T_MAX, T_MAX)
    act, bits = L.activation, q.fmt.bits
    if act in ("identity", "relu"):
        z = np.clip(_scaled(acc, L.code) + L.out_zero, L.out_codes[:, 0].max(), q.fmt.qmax)
    elif act == "step":
        z = (acc >= 0).astype(np.int64)
    elif act == "tanh":
        z = _code(bits, act, _tanh(t))
    elif act == "sigmoid":
        z = _code(bits, act, 32768 + _tanh(t))
    else:
        z = _code(bits, act, _softmax(t))
    key = {"relu": None if t is None else np.maximum(t, 0), "step": (acc >= 0).astype(np.int64)}
    return z, key.get(act, t)


def run(q: Quantized, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(output codes, label index) for input codes ``xq`` (rows); labels -1 for regression."""
    a = np.asarray(xq, np.int64)
    for L in q.layers:
        a, key = _layer(q, L, a)
    if q.plan.task != "classification":
        return a, np.full(len(a), -1)
    act = q.layers[-1].activation
    if a.shape[1] > 1:
        return a, np.argmax(key, axis=1)
    if act == "softmax":
        return a, np.ones(len(a), int)
    return a, (key[:, 0] >= label_threshold(act)).astype(int)


def dequantize(q: Quantized, z: np.ndarray) -> np.ndarray:
    """Output codes as the network's outputs (before any inverse target transform)."""
    L = q.layers[-1]
    return L.out_scale * (np.asarray(z, np.float64) - L.out_zero)
