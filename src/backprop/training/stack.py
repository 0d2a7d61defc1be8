"""K networks of one architecture in one array: a leading "model" axis on every quantity.

Network k's parameters are row k of ``params`` (shape ``(K, P)``, each row
in the layout of :attr:`backprop.Network.params`); layer l's weights are the
view ``W[l]`` of shape ``(K, n_out, n_in)``.  The forward and backward
passes are the single network's, with each matrix product batched over k by
``np.matmul``:

    s_k = y_k W_k^T + b_k                   (K, n, n_out)
    dE/dW_k = delta_k^T y_k                 (K, n_out, n_in)
    delta_k(l-1) = (delta_k W_k) * g'(y_k)

so seed studies and optimizer comparisons run K trainings in one pass.
Inputs are shared (``(n, n_in)``) or per model (``(K, n, n_in)``, e.g.
each model's own mini-batch).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .._errors import ConfigError, DataError, check_finite
from .._netcheck import gradient_buffer, layer_views, loss_for, sample_scale
from ..network import Network
from .setup import decay_mask

__all__ = ["NetworkStack"]


class NetworkStack:
    """K independent networks with the same architecture, stored as one ``(K, P)`` array.

    Parameters
    ----------
    layer_sizes, activation, output_activation, init, dtype
        As for :class:`backprop.Network`.
    random_states : int or sequence
        One seed (or Generator) per network: row k of ``params`` equals
        ``Network(..., random_state=random_states[k]).params``.  An int K
        means the seeds ``0, 1, ..., K - 1``.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str | Sequence[str] = "sigmoid",
                 output_activation: str | None = None, init: str = "uniform",
                 random_states: int | Sequence[int | np.random.Generator | None] = 1,
                 dtype: type | np.dtype = np.float64):
        if isinstance(random_states, (int, np.integer)) and not isinstance(random_states, bool):
            seeds: list = list(range(int(random_states)))
        else:
            seeds = list(random_states)
        if not seeds:
            raise ConfigError("random_states must name at least one network (an int K >= 1 or a list)")
        self.template = Network(layer_sizes, activation, output_activation, init, 0, dtype)
        self.random_states = seeds
        self.params = np.empty((len(seeds), self.template.n_params), self.template.dtype)
        for k, seed in enumerate(seeds):
            self.template.reset(seed)
            self.params[k] = self.template.params
        self.layers = self.unflatten(self.params)
        self.weight_mask = decay_mask(self.template, 1.0)  # 1 on weights, 0 on biases

    # --- structure ------------------------------------------------------
    @property
    def n_networks(self) -> int:
        return self.params.shape[0]

    def __len__(self) -> int:
        return self.n_networks

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return self.template.layer_sizes

    @property
    def dtype(self) -> np.dtype:
        return self.template.dtype

    @property
    def activations(self) -> list[str]:
        return self.template.activations

    @property
    def W(self) -> list[np.ndarray]:
        """Per-layer weight views, each ``(K, n_out, n_in)``."""
        return [W for W, _ in self.layers]

    @property
    def b(self) -> list[np.ndarray]:
        """Per-layer bias views, each ``(K, n_out)``."""
        return [b for _, b in self.layers]

    def unflatten(self, matrix: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per-layer ``(W, b)`` views into any ``(K, P)`` array in the layout of ``params``."""
        return layer_views(self.layer_sizes, matrix)

    def network(self, k: int) -> Network:
        """Network k as an independent :class:`~backprop.Network` (a copy of its weights)."""
        net = self.template.copy()
        net.params[...] = self.params[k]
        return net

    def __repr__(self) -> str:
        return (f"NetworkStack(K={self.n_networks}, {list(self.layer_sizes)}, "
                f"activations={self.template.activations}, dtype={self.dtype.name})")

    # --- forward --------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs z of every network, shape ``(K, n, n_outputs)``; X is ``(n, in)`` or ``(K, n, in)``."""
        return self._forward(self._check_X(X))[0][-1]

    __call__ = forward

    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """``ys = [x, y_1, ..., z]`` and the output's pre-activation s."""
        ys, last = [X], len(self.layers) - 1
        for l, ((W, b), layer) in enumerate(zip(self.layers, self.template.layers)):
            s = np.matmul(ys[l], W.transpose(0, 2, 1))
            s += b[:, None, :]
            y = s.copy() if l == last else s
            m = y.shape[-1]
            layer.activation.forward(y.reshape(-1, m), y.reshape(-1, m))  # row-wise: (K n, m)
            ys.append(y)
        return ys, s

    # --- loss and gradient ----------------------------------------------
    def loss(self, X: np.ndarray, T: np.ndarray, loss: str = "squared_error",
             reduction: str = "sum", sample_weight: np.ndarray | None = None) -> np.ndarray:
        """E of every network on ``(X, T)``, shape ``(K,)``."""
        return self._loss(X, T, loss, reduction, sample_weight, None)[0]

    def loss_and_grad(self, X: np.ndarray, T: np.ndarray, loss: str = "squared_error",
                      reduction: str = "sum", sample_weight: np.ndarray | None = None,
                      out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """E of shape ``(K,)`` and dE/dparams of shape ``(K, P)``: row k is network k's
        :meth:`backprop.Network.loss_and_grad`.  ``T`` and ``sample_weight`` are shared
        (``(n, k)``, ``(n,)``) or per model (``(K, n, k)``, ``(K, n)``)."""
        out = gradient_buffer(out, self.params)
        return self._loss(X, T, loss, reduction, sample_weight, out)

    def _loss(self, X, T, loss, reduction, sample_weight, out):
        out_act = self.template.layers[-1].activation
        lossf = loss_for(loss, reduction, out_act)
        X = self._check_X(X)
        n, K, k = X.shape[-2], self.n_networks, self.layer_sizes[-1]
        T = self._check_T(T, n)
        scale = self._sample_scale(sample_weight, n, reduction)
        ys, s = self._forward(X)
        z = ys[-1]
        T2 = np.broadcast_to(T, z.shape).reshape(-1, k)
        canonical = out_act.name == lossf.canonical
        per = (lossf.value_from_s(s.reshape(-1, k), T2) if canonical
               else lossf.value(z.reshape(-1, k), T2)).reshape(K, n)
        E = per.sum(axis=1) if scale is None else np.einsum("kn,kn->k", per,
                                                            np.broadcast_to(scale, (K, n)))
        if out is None:
            return E, None
        if canonical:
            delta = z - T
        else:
            delta = np.empty_like(z)
            out_act.backward(z.reshape(-1, k), lossf.dz(z.reshape(-1, k), T2), out=delta.reshape(-1, k))
        if scale is not None:
            delta *= scale[..., None]
        grads = self.unflatten(out)
        for l in range(len(self.layers) - 1, -1, -1):
            gW, gb = grads[l]
            np.matmul(delta.transpose(0, 2, 1), ys[l], out=gW)
            np.sum(delta, axis=1, out=gb)
            if l > 0:
                dy = np.matmul(delta, self.layers[l][0])
                delta = self.template.layers[l - 1].activation.backward(ys[l], dy, out=dy)
        return E, out

    # --- input checks ---------------------------------------------------
    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 3:
            return self.template._check_X(X)
        shape = (self.n_networks, X.shape[1], self.layer_sizes[0])
        if X.shape != shape or X.dtype.kind not in "fiub":
            raise DataError(f"per-model X must be numeric with shape (K, n, n_inputs) = "
                            f"{(shape[0], 'n', shape[2])}, got {X.shape} of dtype {X.dtype}")
        X = np.ascontiguousarray(X, dtype=self.dtype)
        check_finite("X", X)
        return X

    def _check_T(self, T: np.ndarray, n: int) -> np.ndarray:
        T = np.asarray(T)
        if T.ndim != 3:
            return self.template._check_T(T, n)
        shape = (self.n_networks, n, self.layer_sizes[-1])
        if T.shape != shape or T.dtype.kind not in "fiub":
            raise DataError(f"per-model T must be numeric with shape {shape}, got {T.shape}")
        T = np.ascontiguousarray(T, dtype=self.dtype)
        check_finite("T", T)
        return T

    def _sample_scale(self, w, n, reduction):
        if w is None or np.ndim(w) == 1:
            return self.template._sample_scale(w, n, reduction)
        return sample_scale(w, (self.n_networks, n), reduction, self.dtype,
                            f"({n},) or ({self.n_networks}, {n})")
