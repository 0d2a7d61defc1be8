"""Forward and backward pass of a whole batch at once, in loops the compiler vectorises.

The arithmetic of :meth:`backprop.Network.loss_and_grad` (the reference) on a
batch of B rows, as matrix-shaped loops whose innermost index runs over
contiguous memory (so LLVM turns them into SIMD code):

    U_l = Y_{l-1} W_l^T + b_l,  Y_l = g_l(U_l)        rows i, then k, then units j
    dE/dW_l = D_l^T Y_{l-1},  dE/db_l = sum_i D_l[i]  rows i, units j, then inputs k
    D_{l-1} = (D_l W_l) * g'_{l-1}(Y_{l-1})            rows i, units j, then inputs k

tanh and sigmoid go through :func:`expm1_neg`, a branch-free expm1 (Cody-Waite
range reduction and a degree-13 polynomial, 2^n built from its bits) that
vectorises, where libm's scalar ``expm1``/``exp`` do not: within a few ulp
of NumPy's (the tests hold the kernels to the NumPy reference to 1e-12).
The output layer's error and delta are per row (``layers.output_delta``).
The three matrix products go to BLAS (``np.dot``, which numba runs through
scipy's BLAS) when scipy is installed, else to plain loops.
"""

from __future__ import annotations

import numpy as np

from ._jit import HAVE_SCIPY, njit
from .codes import IDENTITY, SIGMOID, SOFTMAX, TANH
from .layers import _activate, _deriv, _softmax, batch_weight, output_delta, row_scale

_LN2_HI = 6.93147180369123816490e-01     # ln 2 split in two (fdlibm): n * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00


if HAVE_SCIPY:
    @njit
    def _product(A, B, out):
        """out = A @ B (BLAS)."""
        np.dot(A, B, out)
else:  # pragma: no cover - numba without scipy
    @njit
    def _product(A, B, out):
        """out = A @ B, rows of A times B row by row (the inner loop runs along out's rows)."""
        for i in range(A.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = 0.0
            for k in range(A.shape[1]):
                a = A[i, k]
                for j in range(out.shape[1]):
                    out[i, j] += a * B[k, j]


@njit
def expm1_neg(y, bits, n):
    """y[:n] = expm1(y[:n]) for y <= 0 (NaN stays NaN), in place; ``bits`` an int64 buffer.

    y = m ln2 + r, |r| <= ln2 / 2;  expm1(y) = 2^m expm1(r) + (2^m - 1), expm1(r) by its
    Taylor polynomial to r^13 (remainder below 2^-56 relative).  y is clamped at -60
    (expm1 = -1 in float64 beyond).
    """
    scale = bits[:n].view(np.float64)
    for q in range(n):
        v = y[q]
        v = -60.0 if v < -60.0 else v
        m = np.floor(v * _INV_LN2 + 0.5)
        y[q] = (v - m * _LN2_HI) - m * _LN2_LO
        bits[q] = (np.int64(m) + 1023) << 52
    for q in range(n):
        r = y[q]
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = (p * r) * r + r
        s = scale[q]
        y[q] = s * p + (s - 1.0)


@njit
def activate_block(code, U, work, bits):
    """U = g(U) in place for a block of rows (tanh and sigmoid vectorised)."""
    nb, n = U.shape
    flat = U.reshape(nb * n)
    size = nb * n
    if code == TANH:                       # tanh |s| = -e / (2 + e), e = expm1(-2 |s|)
        for q in range(size):
            work[q] = -2.0 * abs(flat[q])
        expm1_neg(work, bits, size)
        for q in range(size):
            e = work[q]
            t = -e / (2.0 + e)
            flat[q] = t if flat[q] >= 0 else -t
    elif code == SIGMOID:                  # exp of a non-positive number only
        for q in range(size):
            work[q] = -abs(flat[q])
        expm1_neg(work, bits, size)
        for q in range(size):
            e = work[q] + 1.0
            flat[q] = 1.0 / (1.0 + e) if flat[q] >= 0 else e / (1.0 + e)
    elif code == SOFTMAX:
        for i in range(nb):
            _softmax(flat, i * n, (i + 1) * n)
    elif code != IDENTITY:                 # relu, step: the per-sample loop over the whole block
        _activate(code, flat, 0, size)


@njit
def times_derivative(code, D, Y):
    """D *= g'(s) given Y = g(s), element-wise on a block (``layers._deriv``; the compiler
    hoists the choice of g out of the loop and vectorises it)."""
    nb, n = D.shape
    d, y = D.reshape(nb * n), Y.reshape(nb * n)
    if code != IDENTITY:
        for q in range(nb * n):
            d[q] = d[q] * _deriv(code, y[q])


@njit
def batch_block(params, meta, loss, canonical, tiny, X, T, sw, order, lo, hi, mean,
                ws, wd, s_blk, work, bits, grad):
    """dE/dparams of the batch ``order[lo:hi]`` into ``grad``; returns (E, batch weight).

    ``ws``/``wd``: activations/deltas of every layer, layer l at ``B_max * yoff[l]``-style
    offsets (rows of n_l); ``s_blk`` the output layer's s.
    """
    L = meta.shape[0]
    nb = hi - lo
    grad[:] = 0.0
    n0 = meta[0, 2]
    Y = ws[:nb * n0].reshape((nb, n0))
    for i in range(nb):
        row = order[lo + i]
        for k in range(n0):
            Y[i, k] = X[row, k]
    at = nb * n0
    for l in range(L):                                   # forward
        wo, bo, n_in, n_out, code = meta[l, 0], meta[l, 1], meta[l, 2], meta[l, 3], meta[l, 4]
        W = params[wo:wo + n_in * n_out].reshape((n_out, n_in))
        U = ws[at:at + nb * n_out].reshape((nb, n_out))
        _product(Y, W.T, U)
        for i in range(nb):
            u = U[i]
            for j in range(n_out):
                u[j] += params[bo + j]
        if l == L - 1:
            S = s_blk[:nb * n_out].reshape((nb, n_out))
            S[:, :] = U
        activate_block(code, U, work, bits)
        Y = U
        at += nb * n_out
    K = meta[L - 1, 3]
    D = wd[at - nb * K:at].reshape((nb, K))              # output deltas, at the output's offset
    total = batch_weight(sw, order, lo, hi)
    E = 0.0
    out_code = meta[L - 1, 4]
    for i in range(nb):
        row = order[lo + i]
        e = output_delta(loss, canonical, out_code, Y[i], S[i], T, row, tiny, D[i])
        scale = row_scale(sw, row, total, mean, nb)
        if scale != 1.0:
            e *= scale
            for k in range(K):
                D[i, k] *= scale
        E += e
    for l in range(L - 1, -1, -1):                       # backward
        wo, bo, n_in, n_out = meta[l, 0], meta[l, 1], meta[l, 2], meta[l, 3]
        at -= nb * n_out
        D = wd[at:at + nb * n_out].reshape((nb, n_out))
        Yp = ws[at - nb * n_in:at].reshape((nb, n_in))
        gW = grad[wo:wo + n_in * n_out].reshape((n_out, n_in))
        _product(D.T, Yp, gW)
        for i in range(nb):
            for j in range(n_out):
                grad[bo + j] += D[i, j]
        if l > 0:
            W = params[wo:wo + n_in * n_out].reshape((n_out, n_in))
            DP = wd[at - nb * n_in:at].reshape((nb, n_in))
            _product(D, W, DP)
            times_derivative(meta[l - 1, 4], DP, Yp)
    return E, total
