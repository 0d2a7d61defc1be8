"""Forward and backward pass of one batch, sample by sample, in compiled loops.

The same arithmetic as :meth:`backprop.Network.loss_and_grad` (see
``network.py``, ``activations.py`` and ``losses.py``, the reference), written
as loops over flat buffers so a whole epoch runs without the interpreter:

    u_l = y_{l-1} W_l^T + b_l,   y_l = g_l(u_l)                      (forward)
    delta_L = z - t  (canonical pairs)   else  g_L'(s) dE/dz          (output)
    dE/dW_l = sum_i delta_l[i] y_{l-1}[i]^T,   dE/db_l = sum_i delta_l[i]
    delta_{l-1} = (delta_l W_l) * g'_{l-1}(y_{l-1})                   (backward)

Layer table ``meta[l] = (w_offset, b_offset, n_in, n_out, activation code)``;
activations and deltas per layer are stored flat at ``yoff[l]`` with row stride n_l.
"""

from __future__ import annotations

import math

from ._jit import njit
from .codes import (BINARY_CROSS_ENTROPY, CROSS_ENTROPY, IDENTITY, RELU, SIGMOID, SOFTMAX,
                    SQUARED_ERROR, STEP, TANH)


@njit
def _activate(code, y, start, stop):
    """y[start:stop] = g(y[start:stop]) for an element-wise g, in place."""
    for q in range(start, stop):
        s = y[q]
        if code == SIGMOID:                  # exp of a non-positive number only
            e = math.exp(-abs(s))
            y[q] = 1.0 / (1.0 + e) if s >= 0 else e / (1.0 + e)
        elif code == TANH:                   # via expm1: ~2x faster than libm's tanh, within 2 ulp
            e = math.expm1(-2.0 * abs(s))
            t = -e / (2.0 + e)
            y[q] = t if s >= 0 else -t
        elif code == RELU:
            y[q] = max(s, 0.0)
        elif code == STEP:
            y[q] = 1.0 if s >= 0 else 0.0


@njit
def _softmax(y, start, stop):
    m = y[start]
    for q in range(start + 1, stop):
        m = max(m, y[q])
    total = 0.0
    for q in range(start, stop):
        y[q] = math.exp(y[q] - m)
        total += y[q]
    for q in range(start, stop):
        y[q] /= total


@njit
def _deriv(code, z):
    """g'(s) from the output z = g(s)."""
    if code == SIGMOID:
        return z * (1.0 - z)
    if code == TANH:
        return 1.0 - z * z
    if code == RELU:
        return 1.0 if z > 0 else 0.0
    if code == IDENTITY:
        return 1.0
    return 0.0                               # step


@njit
def forward(params, meta, X, row, ys, yoff, s_out):
    """Forward pass of sample ``X[row]``; outputs at ``ys[yoff[l]:]``, the output's s in ``s_out``."""
    L = meta.shape[0]
    for l in range(L):
        wo, bo, n_in, n_out, code = meta[l, 0], meta[l, 1], meta[l, 2], meta[l, 3], meta[l, 4]
        out = yoff[l + 1]
        for j in range(n_out):
            acc = 0.0
            w = wo + j * n_in
            if l == 0:
                for k in range(n_in):
                    acc += X[row, k] * params[w + k]
            else:
                prev = yoff[l]
                for k in range(n_in):
                    acc += ys[prev + k] * params[w + k]
            ys[out + j] = acc + params[bo + j]
        if l == L - 1:
            for j in range(n_out):
                s_out[j] = ys[out + j]
        if code == SOFTMAX:
            _softmax(ys, out, out + n_out)
        elif code != IDENTITY:
            _activate(code, ys, out, out + n_out)


@njit
def output_delta(loss, canonical, out_code, z, s, T, row, tiny, delta):
    """Per-sample error E_i and dE/ds into ``delta``, as ``Network._loss`` computes them."""
    K = delta.shape[0]
    E = 0.0
    if canonical:                            # delta = z - t, E from s (stable forms)
        if loss == CROSS_ENTROPY:
            m = s[0]
            for k in range(1, K):
                m = max(m, s[k])
            se, ts, tsum = 0.0, 0.0, 0.0
            for k in range(K):
                se += math.exp(s[k] - m)
                ts += T[row, k] * s[k]
                tsum += T[row, k]
            E = (m + math.log(se)) * tsum - ts
        for k in range(K):
            t = T[row, k]
            delta[k] = z[k] - t
            if loss == SQUARED_ERROR:
                E += 0.5 * delta[k] * delta[k]
            elif loss == BINARY_CROSS_ENTROPY:
                sk = s[k]
                E += max(sk, 0.0) + math.log1p(math.exp(-abs(sk))) - t * sk
        return E
    for k in range(K):                       # general chain rule: dE/dz first
        t, zk = T[row, k], z[k]
        if loss == SQUARED_ERROR:
            E += 0.5 * (zk - t) * (zk - t)
            delta[k] = zk - t
        elif loss == BINARY_CROSS_ENTROPY:
            E -= t * math.log(max(zk, tiny)) + (1.0 - t) * math.log(max(1.0 - zk, tiny))
            delta[k] = (zk - t) / max(zk * (1.0 - zk), tiny)
        else:
            E -= t * math.log(max(zk, tiny))
            delta[k] = -t / max(zk, tiny)
    if out_code == SOFTMAX:                  # dE/ds_k = z_k (dE/dz_k - sum_j z_j dE/dz_j)
        inner = 0.0
        for k in range(K):
            inner += z[k] * delta[k]
        for k in range(K):
            delta[k] = (delta[k] - inner) * z[k]
    else:
        for k in range(K):
            delta[k] = delta[k] * _deriv(out_code, z[k])
    return E


@njit
def batch_weight(sw, order, lo, hi):
    """The batch's share of the epoch: its summed sample weights, else its row count."""
    if sw.shape[0] == 0:
        return float(hi - lo)
    total = 0.0
    for i in range(lo, hi):
        total += sw[order[i]]
    return total


@njit
def row_scale(sw, row, total, mean, nb):
    """Row ``row``'s factor on E and delta: w_row / sum(w) or 1 / n for "mean", w_row or 1 for "sum"."""
    if sw.shape[0] > 0:
        return sw[row] / total if mean else sw[row]
    return 1.0 / nb if mean else 1.0


@njit
def backward(params, meta, X, row, ys, yoff, deltas, grad):
    """Add this sample's dE/dW, dE/db to ``grad`` given dE/ds of the output at ``deltas[yoff[L]:]``."""
    L = meta.shape[0]
    for l in range(L - 1, -1, -1):
        wo, bo, n_in, n_out = meta[l, 0], meta[l, 1], meta[l, 2], meta[l, 3]
        d = yoff[l + 1]
        for j in range(n_out):
            dj = deltas[d + j]
            w = wo + j * n_in
            if l == 0:
                for k in range(n_in):
                    grad[w + k] += dj * X[row, k]
            else:
                prev = yoff[l]
                for k in range(n_in):
                    grad[w + k] += dj * ys[prev + k]
            grad[bo + j] += dj
        if l > 0:
            prev, code = yoff[l], meta[l - 1, 4]      # layer l-1's delta at its outputs' offset
            for k in range(n_in):
                deltas[prev + k] = 0.0
            for j in range(n_out):
                dj = deltas[d + j]
                w = wo + j * n_in
                for k in range(n_in):
                    deltas[prev + k] += dj * params[w + k]
            for k in range(n_in):
                deltas[prev + k] = deltas[prev + k] * _deriv(code, ys[prev + k])
