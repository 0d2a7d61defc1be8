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
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import activations, initializers
from ._errors import ConfigError, DataError, check_finite
from ._netcheck import gradient_buffer, layer_views, loss_for, sample_scale

__all__ = ["Network", "Layer"]


class Layer:
    """One fully connected layer: ``W`` and ``b`` are views into the network's params."""

    __slots__ = ("W", "b", "activation")

    def __init__(self, W: np.ndarray, b: np.ndarray, activation: activations.Activation):
        self.W, self.b, self.activation = W, b, activation

    @property
    def n_in(self) -> int:
        return self.W.shape[1]

    @property
    def n_out(self) -> int:
        return self.W.shape[0]

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
        sizes = _check_sizes(layer_sizes)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype}")
        n_layers = len(sizes) - 1
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
        self.layer_sizes = tuple(sizes)
        self.init = init
        self.params = np.zeros(sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:])), self.dtype)
        self.layers = [Layer(W, b, a) for (W, b), a in zip(self.unflatten(self.params), acts)]
        self._workspace: dict[int, _Workspace] = {}
        self.reset(random_state)

    # --- structure ------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.layer_sizes[-1]

    @property
    def n_params(self) -> int:
        return self.params.size

    @property
    def activations(self) -> list[str]:
        return [layer.activation.name for layer in self.layers]

    def unflatten(self, vector: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per-layer ``(W, b)`` views into any flat vector in the layout of ``params``."""
        return layer_views(self.layer_sizes, vector)

    def reset(self, random_state: int | np.random.Generator | None = None) -> "Network":
        """Draw fresh initial weights (in place: ``params`` is never rebound)."""
        rng = np.random.default_rng(random_state)
        scheme = initializers.get(self.init)
        for layer in self.layers:
            scheme(rng, layer.W, layer.b)
        return self

    def copy(self) -> "Network":
        """An independent network with the same architecture and weights."""
        new = object.__new__(Network)
        new.__setstate__(self.__getstate__())
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict) -> "Network":
        return self.copy()

    def __getstate__(self) -> dict:
        return {"layer_sizes": self.layer_sizes, "activations": self.activations,
                "init": self.init, "dtype": self.dtype.str, "params": self.params.copy()}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["layer_sizes"], state["activations"], init=state["init"],
                      dtype=np.dtype(state["dtype"]))
        self.params[...] = state["params"]

    def __repr__(self) -> str:
        return (f"Network({list(self.layer_sizes)}, activations={self.activations}, "
                f"n_params={self.n_params}, dtype={self.dtype.name})")

    # --- forward --------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Network output z for inputs ``X`` of shape ``(n_samples, n_inputs)``."""
        X = self._check_X(X)
        return self._forward(X, self._buffers(X.shape[0]))[-1].copy()

    __call__ = forward

    def forward_trace(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's pre-activations u (s for the output) and outputs y (z), as new arrays."""
        X = self._check_X(X)
        us, ys = [], [X]
        for layer in self.layers:
            us.append(ys[-1] @ layer.W.T + layer.b)
            ys.append(layer.activation(us[-1]))
        return us, ys[1:]

    def _forward(self, X: np.ndarray, ws: "_Workspace") -> list[np.ndarray]:
        """Forward pass into preallocated buffers: ``ws.ys = [x, y_1, ..., z]``, ``ws.s``."""
        ys = ws.ys
        ys[0] = X
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            u = np.matmul(ys[l], layer.W.T, out=ws.s if l == last else ys[l + 1])
            u += layer.b
            layer.activation.forward(u, ys[l + 1])
        return ys

    def _buffers(self, n: int) -> "_Workspace":
        """Reusable activation and delta arrays for a batch of n samples."""
        ws = self._workspace.get(n)
        if ws is None:
            if len(self._workspace) >= 4:
                self._workspace.clear()
            ws = self._workspace[n] = _Workspace(n, self.layer_sizes, self.dtype)
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
        T = self._check_T(T, X.shape[0])
        scale = self._sample_scale(sample_weight, X.shape[0], reduction)
        ws = self._buffers(X.shape[0])
        self._forward(X, ws)
        s, z = ws.s, ws.ys[-1]
        canonical = out_act.name == lossf.canonical
        per_sample = lossf.value_from_s(s, T) if canonical else lossf.value(z, T)
        E = float(per_sample.sum() if scale is None else per_sample @ scale)
        if out is None:
            return E, None
        delta = ws.deltas[-1]
        if canonical:
            np.subtract(z, T, out=delta)
        else:
            out_act.backward(z, lossf.dz(z, T), out=delta)
        if scale is not None:
            delta *= scale[:, None]
        self._backward(ws.ys, ws.deltas, out)
        return E, out

    def _backward(self, ys: list[np.ndarray], deltas: list[np.ndarray], out: np.ndarray) -> None:
        """Fill ``out`` with dE/dparams, given dE/ds of the output in ``deltas[-1]``."""
        grads = self.unflatten(out)
        L = len(self.layers)
        for l in range(L - 1, -1, -1):
            delta, y_prev = deltas[l + 1], ys[l]
            gW, gb = grads[l]
            np.matmul(delta.T, y_prev, out=gW)
            np.sum(delta, axis=0, out=gb)
            if l > 0:
                dy = np.matmul(delta, self.layers[l].W, out=deltas[l])
                self.layers[l - 1].activation.backward(y_prev, dy, out=deltas[l])

    # --- input checks ---------------------------------------------------
    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype.kind not in "fiub":
            raise DataError(f"X must be numeric, got dtype {X.dtype}")
        if X.ndim == 1 and self.n_inputs == X.shape[0]:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise DataError(f"X must have shape (n_samples, {self.n_inputs}), got {X.shape}")
        X = np.ascontiguousarray(X, dtype=self.dtype)
        check_finite("X", X)
        return X

    def _check_T(self, T: np.ndarray, n: int) -> np.ndarray:
        T = np.asarray(T)
        k = self.n_outputs
        if T.dtype.kind not in "fiub":
            raise DataError(f"T must be numeric, got dtype {T.dtype}")
        if T.ndim == 1 and k > 1 and T.dtype.kind in "iu":
            if T.size and (T.min() < 0 or T.max() >= k):
                raise DataError(f"class indices in T must lie in [0, {k - 1}]")
            T = np.eye(k, dtype=self.dtype)[T]
        elif T.ndim == 1 and k == 1:
            T = T[:, None]
        elif T.ndim == 0 and k == 1 and n == 1:
            T = T.reshape(1, 1)
        if T.shape != (n, k):
            raise DataError(f"T must have shape ({n}, {k}) to match X and the {k} output units, "
                            f"got {T.shape}")
        T = np.ascontiguousarray(T, dtype=self.dtype)
        check_finite("T", T)
        return T

    def _sample_scale(self, w, n, reduction):
        if w is None:
            return None if reduction == "sum" else np.full(n, 1.0 / n, self.dtype)
        return sample_scale(w, (n,), reduction, self.dtype)


class _Workspace:
    """Buffers for one batch size: layer outputs ``ys``, the output's ``s``, ``deltas`` (dE/du)."""

    __slots__ = ("ys", "s", "deltas")

    def __init__(self, n: int, sizes: Sequence[int], dtype: np.dtype):
        self.ys = [None] + [np.empty((n, m), dtype) for m in sizes[1:]]
        self.s = np.empty((n, sizes[-1]), dtype)
        self.deltas = [None] + [np.empty((n, m), dtype) for m in sizes[1:]]  # no dE/dx needed


def _check_sizes(layer_sizes: Sequence[int]) -> list[int]:
    try:
        sizes = [int(n) for n in layer_sizes]
    except (TypeError, ValueError):
        raise ConfigError(f"layer_sizes must be a sequence of integers, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ConfigError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    if any(n < 1 for n in sizes) or any(float(a) != b for a, b in zip(layer_sizes, sizes)):
        raise ConfigError(f"every layer size must be an integer >= 1, got {list(layer_sizes)}")
    return sizes
