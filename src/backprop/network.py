"""A multi-layer network whose parameters live in one flat vector.

For the lecture's 2-2-1 network the forward pass is

    u_j = b_j + sum_k w_jk x_k,   y_j = g(u_j)          (hidden layer)
    s   = c + sum_j v_j y_j,      z   = g(s)            (output layer)

and every layer of a deeper network repeats the same two lines.  Layer ``l``
holds ``W`` of shape ``(n_out, n_in)`` -- ``W[j, k]`` connects input k to
unit j, the lecture's w_jk and ``torch.nn.Linear.weight`` -- and ``b`` of
shape ``(n_out,)``.  Both are *views* into ``Network.params``, so an
optimizer updates one vector and every layer sees it.

Backpropagation runs the chain rule from the output back:

    delta_L   = dE/ds = g'(s) dE/dz          (z - t for canonical pairs)
    dE/dW_l   = delta_l^T  y_{l-1}           dE/db_l = sum over samples of delta_l
    delta_l-1 = (delta_l W_l) * g'(u_{l-1})  with g' taken from the output y_{l-1}

The same code runs K networks of one architecture at once
(:class:`backprop.NetworkStack`): ``params`` is then ``(K, P)``, every
``W`` ``(K, n_out, n_in)``, and each product above is batched over the
leading model axis by ``np.matmul``.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from . import activations, initializers
from ._errors import ConfigError
from ._netcheck import (check_inputs, check_sizes, check_targets, check_weights, gradient_buffer,
                        layer_activations, layer_views, loss_for, weight_mask)

__all__ = ["Network", "Layer"]


class Layer:
    """One fully connected layer: ``W`` and ``b`` are views into the network's params.

    ``W, b = layer`` unpacks them.
    """

    __slots__ = ("W", "b", "activation", "_WT", "_b_row")

    def __init__(self, W: np.ndarray, b: np.ndarray, activation: activations.Activation):
        self.W, self.b, self.activation = W, b, activation
        self._WT, self._b_row = W.swapaxes(-1, -2), b[..., None, :]   # for u = y W^T + b

    @property
    def n_in(self) -> int:
        return self.W.shape[-1]

    @property
    def n_out(self) -> int:
        return self.W.shape[-2]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.W, self.b))

    def __repr__(self) -> str:
        return f"Layer({self.n_in} -> {self.n_out}, {self.activation.name})"


class Network:
    """Fully connected feed-forward network trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first: ``(2, 2, 1)`` is the lecture's XOR net.
    activation : str or sequence of str
        Hidden activation g (one name), or one name per weight layer.
    output_activation : str, optional
        Activation of the output layer; defaults to ``activation`` (the
        lecture's network uses the same g everywhere).
    init : str or callable
        Initialisation scheme from :mod:`backprop.initializers`.
    random_state : int, Generator or None
        Seed for the initial weights.
    dtype : numpy float dtype
        ``float64`` (default) or ``float32``; used end to end.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str | Sequence[str] = "sigmoid",
                 output_activation: str | None = None, init: str = "uniform",
                 random_state: int | np.random.Generator | None = None,
                 dtype: type | np.dtype = np.float64):
        self._build(layer_sizes, activation, output_activation, init, dtype, ())
        self.reset(random_state)

    def _build(self, layer_sizes, activation, output_activation, init, dtype, lead: tuple) -> None:
        """Check the architecture; allocate ``params`` of shape ``lead + (P,)`` and its layer views."""
        sizes = check_sizes(layer_sizes)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype}")
        acts = layer_activations(activation, output_activation, len(sizes) - 1)
        self.layer_sizes = tuple(sizes)
        self.init = init
        P = sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:]))
        self.params = np.zeros(lead + (P,), self.dtype)
        self._K = lead[0] if lead else None          # K models, or None for one network
        self.layers = [Layer(W, b, a) for (W, b), a in zip(self.unflatten(self.params), acts)]
        self._workspace: dict[int, _Workspace] = {}

    # --- structure ------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.layer_sizes[-1]

    @property
    def n_params(self) -> int:
        """P, the parameters of one network."""
        return self.params.shape[-1]

    @property
    def activations(self) -> list[str]:
        return [layer.activation.name for layer in self.layers]

    def unflatten(self, vector: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per-layer ``(W, b)`` views into any array in the layout of ``params`` (last axis)."""
        return layer_views(self.layer_sizes, vector)

    @property
    def weight_mask(self) -> np.ndarray:
        """1 at every weight, 0 at every bias, shaped like ``params`` (a new array)."""
        return weight_mask(self.layer_sizes, self.params)

    def reset(self, random_state: int | np.random.Generator | None = None) -> "Network":
        """Draw fresh initial weights (in place: ``params`` is never rebound)."""
        _draw(self, self.params, random_state)
        return self

    def copy(self) -> "Network":
        """An independent network with the same architecture and weights."""
        new = object.__new__(type(self))
        new.__setstate__(self.__getstate__())
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict) -> "Network":
        return self.copy()

    def __getstate__(self) -> dict:
        return {"layer_sizes": self.layer_sizes, "activations": self.activations,
                "init": self.init, "dtype": self.dtype.str, "params": self.params.copy()}

    def __setstate__(self, state: dict) -> None:
        params = np.asarray(state["params"])
        self._build(state["layer_sizes"], state["activations"], None, state["init"],
                    np.dtype(state["dtype"]), params.shape[:-1])
        self.params[...] = params

    def __repr__(self) -> str:
        return (f"Network({list(self.layer_sizes)}, activations={self.activations}, "
                f"n_params={self.n_params}, dtype={self.dtype.name})")

    # --- forward --------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Network output z for inputs ``X`` of shape ``(n_samples, n_inputs)``."""
        X = self._check_X(X)
        return self._forward(X, self._buffers(X.shape[-2]))[-1].copy()

    __call__ = forward

    def forward_trace(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's pre-activations u (s for the output) and outputs y (z), as new arrays."""
        X = self._check_X(X)
        us, ys = [], [X]
        for layer in self.layers:
            us.append(ys[-1] @ layer._WT + layer._b_row)
            ys.append(layer.activation(us[-1]))
        return us, ys[1:]

    def _forward(self, X: np.ndarray, ws: "_Workspace") -> list[np.ndarray]:
        """Forward pass into preallocated buffers: ``ws.ys = [x, y_1, ..., z]``, ``ws.s``."""
        ys = ws.ys
        ys[0] = X
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            u = np.matmul(ys[l], layer._WT, out=ws.s if l == last else ys[l + 1])
            u += layer._b_row
            layer.activation.forward(u, ys[l + 1])
        return ys

    def _buffers(self, n: int) -> "_Workspace":
        """Reusable activation and delta arrays for a batch of n samples."""
        ws = self._workspace.get(n)
        if ws is None:
            if len(self._workspace) >= 4:
                self._workspace.clear()
            ws = self._workspace[n] = _Workspace(n, self.layer_sizes, self.dtype, self.params.shape[:-1])
        return ws

    # --- loss and gradient ----------------------------------------------
    def loss(self, X: np.ndarray, T: np.ndarray, loss: str = "squared_error",
             reduction: str = "sum", sample_weight: np.ndarray | None = None) -> float:
        """The error E of the network on ``(X, T)``."""
        return self._loss(X, T, loss, reduction, sample_weight, None)[0]

    def loss_and_grad(self, X: np.ndarray, T: np.ndarray, loss: str = "squared_error",
                      reduction: str = "sum", sample_weight: np.ndarray | None = None,
                      out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E and dE/dparams by backpropagation.

        ``reduction="sum"`` is the lecture's E summed over patterns;
        ``"mean"`` divides by the number of samples (by the sum of
        ``sample_weight`` when given).  The gradient is a flat array in the
        layout of ``params`` (see :meth:`unflatten` for per-layer views),
        written into ``out`` when given so a training loop allocates nothing.
        """
        out = gradient_buffer(out, self.params)
        return self._loss(X, T, loss, reduction, sample_weight, out)

    def _loss(self, X, T, loss, reduction, sample_weight, out):
        out_act = self.layers[-1].activation
        lossf = loss_for(loss, reduction, out_act)
        X = self._check_X(X)
        n = X.shape[-2]
        T = self._check_T(T, n)
        scale = self._sample_scale(sample_weight, n, reduction)
        ws = self._buffers(n)
        self._forward(X, ws)
        E = _total(lossf.per_sample(out_act, ws.s, ws.ys[-1], T), scale)
        if out is None:
            return E, None
        delta = lossf.delta(out_act, ws.ys[-1], T, ws.deltas[-1])
        if scale is not None:
            delta *= scale[..., None]
        self._backward(ws.ys, ws.deltas, out)
        return E, out

    def backward_deltas(self, ys: Sequence[np.ndarray], delta: np.ndarray,
                        buffers: Sequence[np.ndarray] | None = None):
        """Backpropagate the output delta dE/ds: yield ``(l, delta_l, a_l)`` for l = L-1, ..., 0.

        ``delta_l`` is dE/du of layer l (per sample), ``a_l = delta_{l+1} W_{l+1}`` the
        dE/dy_l it came from (None at the output), and delta_l = g'(u_l) * a_l, g' taken from
        the output ``ys[l + 1]``.  With ``buffers`` (the workspace's deltas) every delta_l is
        written into ``buffers[l + 1]`` in place of a_l, which is then not kept (None).
        """
        a = None
        for l in range(len(self.layers) - 1, -1, -1):
            yield l, delta, a
            if l > 0:
                a = np.matmul(delta, self.layers[l].W, out=None if buffers is None else buffers[l])
                delta = self.layers[l - 1].activation.backward(
                    ys[l], a, out=np.empty_like(a) if buffers is None else a)
                if buffers is not None:
                    a = None

    def _backward(self, ys: list[np.ndarray], deltas: list[np.ndarray], out: np.ndarray) -> None:
        """Fill ``out`` with dE/dparams, given dE/ds of the output in ``deltas[-1]``."""
        grads = self.unflatten(out)
        for l, delta, _ in self.backward_deltas(ys, deltas[-1], deltas):
            gW, gb = grads[l]
            np.matmul(delta.swapaxes(-1, -2), ys[l], out=gW)
            np.sum(delta, axis=-2, out=gb)

    # --- input checks ---------------------------------------------------
    def _check_X(self, X: np.ndarray) -> np.ndarray:
        return check_inputs(X, self.n_inputs, self._K, self.dtype)

    def _check_T(self, T: np.ndarray, n: int) -> np.ndarray:
        return check_targets(T, n, self.n_outputs, self._K, self.dtype)

    def _sample_scale(self, w, n, reduction):
        return check_weights(w, n, self._K, reduction, self.dtype)


class _Workspace:
    """Buffers for one batch size: layer outputs ``ys``, the output's ``s``, ``deltas`` (dE/du)."""

    __slots__ = ("ys", "s", "deltas")

    def __init__(self, n: int, sizes: Sequence[int], dtype: np.dtype, lead: tuple = ()):
        self.ys = [None] + [np.empty(lead + (n, m), dtype) for m in sizes[1:]]
        self.s = np.empty(lead + (n, sizes[-1]), dtype)
        self.deltas = [None] + [np.empty(lead + (n, m), dtype) for m in sizes[1:]]  # no dE/dx needed


def _total(per_sample: np.ndarray, scale: np.ndarray | None):
    """E = sum_i p_i E_i: a float for one network, one value per model for K."""
    if per_sample.ndim == 1:
        return float(per_sample.sum() if scale is None else per_sample @ scale)
    if scale is None:
        return per_sample.sum(axis=-1)
    return np.einsum("kn,kn->k", per_sample, np.broadcast_to(scale, per_sample.shape))


def _draw(net: Network, row: np.ndarray, random_state) -> None:
    """Initial weights for one network's parameters ``row`` from its own generator."""
    rng = np.random.default_rng(random_state)
    scheme = initializers.get(net.init)
    for W, b in net.unflatten(row):
        scheme(rng, W, b)
