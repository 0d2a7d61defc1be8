"""Backprop for curvature: per-sample gradients, Jacobians and the R-operator.

Everything here works on one network whose parameters already hold theta,
on its forward trace ``ys = [x, y_1, ..., z]`` and pre-activations
``us = [u_1, ..., s]`` (``Network.forward_trace``).  Notation as in
:mod:`backprop.network`: ``delta_l = dE/du_l`` per sample, shape (n, n_out).
The backward pass is always the network's own
(:meth:`~backprop.Network.backward_deltas`); what differs is what is kept of it.

* Per-sample backprop keeps the rows apart: the gradient of sample i is the
  outer product ``delta_l[i] y_{l-1}[i]^T`` (weights) and ``delta_l[i]``
  (biases), flattened in the layout of ``params``.
* Pearlmutter's R-operator (Pearlmutter 1994, "Fast exact multiplication by
  the Hessian") is the directional derivative R{f} = d/dr f(theta + r v) at
  r = 0 pushed through the forward pass and then through backprop:

      R{u_l} = R{y_l-1} W_l^T + y_l-1 V_l^T + c_l        (V, c: v's views)
      R{y_l} = g'(u_l) R{u_l}                            (``Activation.jvp``)
      R{delta_l} = R of "g'(u_l) * a_l",  a_l = delta_l+1 W_l+1 (dE/dz at the output)
      R{a_l} = R{delta_l+1} W_l+1 + delta_l+1 V_l+1
      R{dE/dW_l} = R{delta_l}^T y_l-1 + delta_l^T R{y_l-1}

  and R{dE/dtheta} = H v exactly.  The second derivatives come from the
  records: ``Activation.r_backward`` (g''(u) = h(z) g'(u) for element-wise
  g) and ``Loss.curvature`` (d^2 l / dz^2).
* Gauss-Newton and Fisher products use the same forward R{z} = J_z v and
  one ordinary backward pass: G v = J^T (H_out J v) (Schraudolph 2002), with
  H_out from ``Loss.curvature`` or ``Loss.fisher``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .._netcheck import layer_views


def output_delta(net, lossf, z: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-sample dl_i/ds (unweighted): ``z - t`` for canonical pairs, else g'(s) dl/dz."""
    return lossf.delta(net.layers[-1].activation, z, T, out=np.empty_like(z))


def per_sample_backprop(net, ys: Sequence[np.ndarray], delta: np.ndarray) -> np.ndarray:
    """Rows of dE_i/dtheta, shape (n, P), given each sample's output delta dE_i/ds."""
    rows = np.empty((delta.shape[0], net.n_params), net.dtype)
    views = layer_views(net.layer_sizes, rows)
    for l, d, _ in net.backward_deltas(ys, delta):
        gW, gb = views[l]
        np.multiply(d[:, :, None], ys[l][:, None, :], out=gW)
        gb[...] = d
    return rows


def backprop_sum(net, ys: Sequence[np.ndarray], delta: np.ndarray) -> np.ndarray:
    """sum_i dE_i/dtheta, shape (P,): the network's own backward pass from the output delta."""
    out = np.empty(net.n_params, net.dtype)
    net._backward(ys, [None, *(np.empty_like(y) for y in ys[1:-1]), delta], out)
    return out


def r_forward(net, ys: Sequence[np.ndarray], v: np.ndarray) -> tuple[list, list]:
    """``(R{u}, R{y})``: directional derivatives along v of every layer's u_l and y_l.

    ``R{y}[0] = 0`` (the inputs do not depend on theta); ``R{u}[l]`` is layer
    l + 1's pre-activation, so ``R{u}[-1] = R{s}`` and ``R{y}[-1] = R{z}``.
    """
    rys, rus = [np.zeros_like(ys[0])], []
    for l, ((V, c), layer) in enumerate(zip(net.unflatten(v), net.layers)):
        rus.append(rys[l] @ layer.W.T + ys[l] @ V.T + c)
        rys.append(layer.activation.jvp(ys[l + 1], rus[-1]))
    return rus, rys


def hessian_vector(net, lossf, ys, T, p, v) -> np.ndarray:
    """H v of E = sum_i p_i l_i by Pearlmutter's R-operator (exact, two passes)."""
    act = net.layers[-1].activation
    z = ys[-1]
    rys = r_forward(net, ys, v)[1]
    if act.name == lossf.canonical:       # delta = z - t, so R{delta} = R{z}
        rdelta = rys[-1].copy()
    else:
        a = lossf.dz(z, T)
        rdelta = act.r_backward(z, rys[-1], a, lossf.curvature(z, T) * rys[-1])
    delta = output_delta(net, lossf, z, T) * p[:, None]
    rdelta *= p[:, None]
    out = np.empty(net.n_params, net.dtype)
    views, vviews = net.unflatten(out), net.unflatten(v)
    upper = None                           # delta_l+1, for R{a_l}
    for l, d, a in net.backward_deltas(ys, delta):
        if a is not None:                  # R{delta_l} from R{a_l} = R{delta_l+1} W + delta_l+1 V
            ra = rdelta @ net.layers[l + 1].W + upper @ vviews[l + 1][0]
            rdelta = net.layers[l].activation.r_backward(ys[l + 1], rys[l + 1], a, ra)
        gW, gb = views[l]
        gW[...] = rdelta.T @ ys[l] + d.T @ rys[l]
        gb[...] = rdelta.sum(axis=0)
        upper = d
    return out


def curvature_vector(net, lossf, ys, T, p, v, kind: str) -> np.ndarray:
    """Gauss-Newton (``kind="gauss_newton"``) or true Fisher (``"fisher"``) times v.

    Canonical pairs: both equal J_s^T (d^2 l / ds^2) J_s v and d^2 l/ds^2 R{s} = R{z},
    so the backward pass starts from p_i R{z_i}.  Other pairs split at z:
    J_z^T M J_z v with M = d^2 l/dz^2 (``Loss.curvature``, Gauss-Newton) or the output
    distribution's Fisher in its mean z (``Loss.fisher``).
    """
    act = net.layers[-1].activation
    rz = r_forward(net, ys, v)[1][-1]
    if act.name == lossf.canonical:
        delta = rz
    else:
        M = (lossf.curvature if kind == "gauss_newton" else lossf.fisher)(ys[-1], T)
        delta = act.backward(ys[-1], M * rz, out=np.empty_like(rz))
    return backprop_sum(net, ys, delta * p[:, None])


def empirical_fisher_vector(net, ys, delta: np.ndarray, p: np.ndarray, v) -> np.ndarray:
    """sum_i p_i grad l_i (grad l_i . v) without forming the rows.

    grad l_i . v = <dl_i/ds, R{s_i}>, so one forward R-pass and one backward
    pass from the output delta p_i c_i dl_i/ds suffice.
    """
    rs = r_forward(net, ys, v)[0][-1]
    c = np.einsum("ij,ij->i", delta, rs)
    return backprop_sum(net, ys, delta * (p * c)[:, None])


def output_jacobian_rows(net, ys, unit: int) -> np.ndarray:
    """d z_i[unit] / d theta for every sample i, shape (n, P): one backward pass."""
    z = ys[-1]
    e = np.zeros_like(z)
    e[:, unit] = 1.0
    delta = net.layers[-1].activation.backward(z, e, out=np.empty_like(z))
    return per_sample_backprop(net, ys, delta)


def kfac_factors(net, ys, delta: np.ndarray, p: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """K-FAC's per-layer ``(A, G)``: A = E[a a^T] with a = (y_l-1, 1), G = sum_i p_i d_i d_i^T.

    ``d_i = dl_i/du_l`` are unweighted per-sample deltas and E[.] the mean with
    weights p / sum(p), so G kron A approximates the layer's block of the
    empirical Fisher sum_i p_i grad l_i grad l_i^T (Martens & Grosse 2015).
    """
    w = p / p.sum()
    factors = []
    for l, d, _ in net.backward_deltas(ys, delta):
        a = np.hstack([ys[l], np.ones((ys[l].shape[0], 1), ys[l].dtype)])
        factors.append(((a * w[:, None]).T @ a, (d * p[:, None]).T @ d))
    return factors[::-1]
