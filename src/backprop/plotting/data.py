"""The numbers behind every figure, as plain NumPy arrays and dicts.

Nothing here imports matplotlib: each function returns the data a figure in
:mod:`backprop.plotting.figures` draws, so tests check data, not pixels.

Weights are named as in the lecture for the 2-2-1 network (``w11, w12, w21,
w22, b1, b2, v1, v2, c``), as in :mod:`backprop.explain` for any network
(``W[l][j,k]``, ``b[l][j]``, 1-based), or by their flat index in ``params``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._errors import ConfigError, DataError
from ..network import Network

__all__ = ["weight_index", "history_arrays", "grid_landscape", "weight_landscape", "WeightSlice",
           "rain_gutter", "trajectory", "slice_minimum", "gutter_summary", "bias_correction",
           "adam_trace", "decision_surface", "accuracy_2d", "momentum_gain"]

LECTURE_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")
_GENERIC = re.compile(r"^(W|b)\[(\d+)\]\[(\d+)(?:,(\d+))?\]$")


def weight_index(net: Network, name: str | int) -> int:
    """Flat index in ``net.params`` of a weight given by lecture name, ``W[l][j,k]``/``b[l][j]`` or index."""
    if isinstance(name, (int, np.integer)) or (isinstance(name, str) and name.isdigit()):
        i = int(name)
        if not 0 <= i < net.n_params:
            raise ConfigError(f"weight index {i} out of range; valid range: [0, {net.n_params - 1}]")
        return i
    if tuple(net.layer_sizes) == (2, 2, 1) and name in LECTURE_NAMES:
        return LECTURE_NAMES.index(name)
    m = _GENERIC.match(str(name).replace(" ", ""))
    if m:
        kind, l, j, k = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        if 1 <= l <= len(net.layers):
            W, b = net.unflatten(np.arange(net.n_params))[l - 1]
            try:
                if kind == "W" and k is not None and int(k) >= 1 and j >= 1:
                    return int(W[j - 1, int(k) - 1])
                if kind == "b" and k is None and j >= 1:
                    return int(b[j - 1])
            except IndexError:
                pass
    valid = "w11, w12, w21, w22, b1, b2, v1, v2, c, " if tuple(net.layer_sizes) == (2, 2, 1) else ""
    raise ConfigError(f"unknown weight {name!r}; valid: {valid}W[l][j,k], b[l][j] (1-based) "
                      f"or a flat index in [0, {net.n_params - 1}]")


def history_arrays(history: Any) -> dict[str, np.ndarray]:
    """A run's per-epoch history as ``{"epoch": 1..n, key: array}``.

    Accepts a dict of lists (``loss``, ``val_loss``, a metric, ``learning_rate``,
    ...), a list of per-epoch dicts, or an object with a ``history`` attribute
    or a ``to_dict()`` method (a trainer's History, a loaded Model).
    """
    for attr in ("history", "to_dict", "as_dict"):
        if not isinstance(history, (Mapping, list, tuple)) and hasattr(history, attr):
            value = getattr(history, attr)
            history = value() if callable(value) else value
    if isinstance(history, (list, tuple)) and history and isinstance(history[0], Mapping):
        keys = list(dict.fromkeys(k for row in history for k in row))
        history = {k: [row.get(k, np.nan) for row in history] for k in keys}
    if not isinstance(history, Mapping):
        raise DataError(f"cannot read a history from {type(history).__name__}; give a dict of lists")
    out: dict[str, np.ndarray] = {}
    for key, values in history.items():
        if values is None or np.ndim(values) != 1:
            continue
        try:
            arr = np.array([np.nan if v is None else v for v in values], dtype=float)
        except (TypeError, ValueError):
            continue
        if arr.size and not np.all(np.isnan(arr)):     # a column never filled (no validation set)
            out[str(key)] = arr
    out.pop("epoch", None)
    if not out:
        raise DataError("the history holds no per-epoch series")
    n = max(len(v) for v in out.values())
    return {"epoch": np.arange(1, n + 1), **out}


def grid_landscape(f: Callable[[np.ndarray], float], xlim: Sequence[float], ylim: Sequence[float],
                   n: int = 61) -> dict[str, np.ndarray]:
    """E = f((w1, w2)) on an ``n x n`` grid; ``argmin`` is the grid point with the lowest E."""
    w1, w2 = np.linspace(*xlim, n), np.linspace(*ylim, n)
    E = np.array([[f(np.array([a, b])) for a in w1] for b in w2])    # E[row=w2, col=w1]
    r, c = np.unravel_index(np.nanargmin(E), E.shape)
    return {"w1": w1, "w2": w2, "E": E, "argmin": np.array([w1[c], w2[r]]), "min": float(E[r, c])}


class WeightSlice:
    """E and dE/dw of a network as a function of two of its weights, the rest held fixed.

    ``loss(w)`` and ``grad(w)`` take the 2-vector of the chosen weights;
    ``center`` is their current value in ``net`` (e.g. the trained one).
    """

    def __init__(self, net: Network, X: np.ndarray, T: np.ndarray, weights: Sequence[str | int],
                 loss: str = "squared_error", activation: str | None = None):
        if len(weights) != 2:
            raise ConfigError(f"choose exactly two weights, got {len(weights)}")
        self.idx = np.array([weight_index(net, w) for w in weights])
        if self.idx[0] == self.idx[1]:
            raise ConfigError(f"choose two different weights, got {list(weights)}")
        self.names = [str(w) for w in weights]
        self.net = net.copy() if activation is None else _with_activation(net, activation)
        self.X, self.T, self.lossname = X, T, loss
        self.center = net.params[self.idx].copy()
        self._g = np.empty_like(self.net.params)

    def loss(self, w: np.ndarray) -> float:
        self.net.params[self.idx] = w
        return self.net.loss(self.X, self.T, loss=self.lossname)

    def grad(self, w: np.ndarray) -> np.ndarray:
        self.net.params[self.idx] = w
        self.net.loss_and_grad(self.X, self.T, loss=self.lossname, out=self._g)
        return self._g[self.idx].copy()


def _with_activation(net: Network, activation: str) -> Network:
    new = Network(net.layer_sizes, activation=activation, dtype=net.dtype)
    new.params[...] = net.params
    return new


def weight_landscape(net: Network, X: np.ndarray, T: np.ndarray, weights: Sequence[str | int],
                     span: float = 4.0, n: int = 61, loss: str = "squared_error",
                     activation: str | None = None) -> dict[str, Any]:
    """E over two weights of ``net`` within ``center +- span``, the others fixed.

    ``activation="step"`` evaluates the same weights with the perceptron's
    threshold units: E is then piecewise constant (flat shoulders and jumps).
    """
    sl = WeightSlice(net, X, T, weights, loss, activation)
    c = sl.center
    out = grid_landscape(sl.loss, (c[0] - span, c[0] + span), (c[1] - span, c[1] + span), n)
    return {**out, "center": c, "names": sl.names, "activation": sl.net.activations[0]}


def rain_gutter(h_along: float = 0.1, h_across: float = 4.0):
    """The lecture's "rain gutter": E(w) = (h_along w1^2 + h_across w2^2) / 2.

    A long shallow valley along w1 with steep walls across it (condition
    number h_across / h_along).  Returns ``(loss, grad)`` functions of w.
    """
    h = np.array([h_along, h_across], dtype=float)
    return (lambda w: 0.5 * float(np.sum(h * np.asarray(w) ** 2)),
            lambda w: h * np.asarray(w, dtype=float))


def trajectory(optimizer: Any, grad: Callable[[np.ndarray], np.ndarray], w0: Sequence[float],
               n_steps: int = 50, loss: Callable[[np.ndarray], float] | None = None,
               **hyperparameters: Any) -> dict[str, np.ndarray]:
    """Path of ``optimizer`` (a name or an :class:`~backprop.optim.Optimizer`) from ``w0``.

    The loop is the optimizer contract: ``step, state = opt.update(grad(w),
    state, w, oracle); w += step``; methods that need an oracle (line
    searches, curvature) get a :class:`~backprop.optim.oracle.FunctionOracle`
    of ``loss`` and ``grad``.  Returns ``points`` (n_steps + 1, dim) and,
    with ``loss``, the loss at each point.
    """
    from .. import optim
    opt = optim.get(optimizer, **hyperparameters)
    oracle = None
    if opt.needs_oracle:
        if loss is None:
            raise ConfigError(f"optimizer {opt.name!r} needs the loss function as well as the gradient")
        from ..optim.oracle import FunctionOracle
        oracle = FunctionOracle(loss, grad)
    w = np.array(w0, dtype=float)
    state = opt.init(w)
    points = [w.copy()]
    for _ in range(n_steps):
        step, state = opt.update(grad(w), state, w, oracle)
        w += step
        points.append(w.copy())
    pts = np.array(points)
    out = {"points": pts}
    if loss is not None:
        out["loss"] = np.array([loss(p) for p in pts])
    return out


def slice_minimum(sl: "WeightSlice", start: Sequence[float] | None = None, steps: int = 500,
                  tol: float = 1e-10) -> dict[str, Any]:
    """The (local) minimum of E over the two weights of ``sl``: L-BFGS from ``start`` (default the
    trained values) until |dE/dw| < ``tol``.  Returns ``point``, ``E``, ``grad_norm`` and ``steps``."""
    from .. import optim
    from ..optim.oracle import FunctionOracle
    opt, oracle = optim.get("lbfgs"), FunctionOracle(sl.loss, sl.grad)
    w = np.array(sl.center if start is None else start, dtype=float)
    state, g, k = opt.init(w), sl.grad(w), 0
    while k < steps and np.linalg.norm(g) >= tol:
        step, state = opt.update(g, state, w, oracle)
        w += step
        g, k = sl.grad(w), k + 1
    return {"point": w, "E": sl.loss(w), "grad_norm": float(np.linalg.norm(g)), "steps": k}


def gutter_summary(points: np.ndarray, loss: Callable[[np.ndarray], float]) -> dict[str, float]:
    """What the lecture says of a rain-gutter path: how far it travelled along the floor (w1),
    how much it swung across (mean |w2| after the start), and where E ended."""
    pts = np.asarray(points, dtype=float)
    return {"travelled": float(abs(pts[-1, 0] - pts[0, 0])), "swing": float(np.mean(np.abs(pts[1:, 1]))),
            "E": float(loss(pts[-1])), "steps": len(pts) - 1}


def bias_correction(beta1: float = 0.9, beta2: float = 0.999, n: int = 100) -> dict[str, np.ndarray]:
    """Adam's correction factors 1/(1 - beta1^t) and 1/(1 - beta2^t) for t = 1..n."""
    t = np.arange(1, n + 1)
    return {"t": t, "beta1": beta1, "beta2": beta2,
            "m_factor": 1.0 / (1.0 - beta1 ** t), "v_factor": 1.0 / (1.0 - beta2 ** t)}


def adam_trace(net: Network, X: np.ndarray, T: np.ndarray, n: int = 100, loss: str = "squared_error",
               **hyperparameters: Any) -> dict[str, np.ndarray]:
    """Train a copy of ``net`` by full-batch Adam for ``n`` updates, recording its state.

    The training is ``backprop.fit`` (``reduction="sum"``, one update per epoch); a
    callback records, per update: the bias corrections held in the state, the median,
    min and max per-weight effective learning rate eta / (sqrt(v_hat) + eps), the median
    |step|, and E before the update.
    """
    from .. import optim
    from ..training import Callback, ConvergenceWarning, fit
    keys = ("bias_correction1", "bias_correction2", "rate_median", "rate_min", "rate_max",
            "step_median", "loss")
    rec: dict[str, list] = {k: [] for k in keys}

    class Record(Callback):
        def on_iteration_end(self, event):
            state = event.optimizer_state
            rate, step = state["effective_learning_rate"], state["step"]
            for k, v in zip(keys, (state["bias_correction1"], state["bias_correction2"],
                                   np.median(rate), rate.min(), rate.max(),
                                   np.median(np.abs(step)), event.batch_loss)):
                rec[k].append(float(v))

    with warnings.catch_warnings():  # a figure of the first n updates, settled or not
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit(net.copy(), X, T, loss=loss, reduction="sum", optimizer="adam",
            optimizer_params=hyperparameters, epochs=n, batch_size=None, callbacks=[Record()],
            progress=False)
    return {"t": np.arange(1, len(rec["loss"]) + 1), **{k: np.array(v) for k, v in rec.items()},
            "learning_rate": optim.get("adam", **hyperparameters).hyperparameters["learning_rate"]}


def decision_surface(net: Network, X: np.ndarray, n: int = 150, margin: float = 0.25) -> dict[str, Any]:
    """Network output over a grid covering 2-D inputs ``X``, and each hidden unit's line u_j = 0.

    ``Z`` is the output (one output) or the winning class (several).
    ``hidden_lines`` holds, per first-layer unit j, ``(w_j1, w_j2, b_j)``:
    the line w_j1 x1 + w_j2 x2 + b_j = 0 where that unit is half on.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or net.n_inputs != 2:
        raise DataError(f"decision boundaries need 2-D inputs, got X of shape {X.shape} and "
                        f"{net.n_inputs} network inputs")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    x1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    x2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    G = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    out = net.forward(G)
    Z = out[:, 0] if out.shape[1] == 1 else out.argmax(axis=1).astype(float)
    W, b = net.layers[0].W, net.layers[0].b
    lines = np.column_stack([W[:, 0], W[:, 1], b]) if len(net.layers) > 1 else np.empty((0, 3))
    return {"x1": x1, "x2": x2, "Z": Z.reshape(n, n), "hidden_lines": lines,
            "n_outputs": net.n_outputs}


def accuracy_2d(net: Network, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Share of the points ``X`` the network puts in their class ``y`` (any labels).

    One output: class ``classes[-1]`` where z >= 0.5 (z >= 0 for a tanh output), as the
    boundary drawn; several outputs: the largest output's class.
    """
    y = np.asarray(y).reshape(len(X), -1)
    y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    classes = np.unique(y)
    out = net.forward(np.asarray(X, dtype=float))
    if out.shape[1] == 1:
        threshold = 0.0 if net.activations[-1] == "tanh" else 0.5
        guess = np.where(out[:, 0] >= threshold, classes[-1], classes[0])
    else:                                            # labels in sorted order: output k is class k
        threshold, guess, y = None, out.argmax(axis=1), np.searchsorted(classes, y)
        classes = np.arange(out.shape[1])
    right = int(np.sum(guess == y))
    return {"accuracy": right / len(y), "correct": right, "n": len(y), "threshold": threshold,
            "classes": classes, "labels": y}


def momentum_gain(momenta: Sequence[float] = (0.0, 0.5, 0.9), slope: float = 1.0,
                  learning_rate: float = 0.01, n: int = 200) -> dict[str, Any]:
    """Measured speed-up of momentum on the constant slope E(w) = slope * w.

    Runs the optimizer registry's ``sgd`` (lecture form: dw <- a dw - eta dE/dw)
    and reports the step length |dw_t| divided by plain gradient descent's
    eta * slope.  In theory it is (1 - a^t) / (1 - a), tending to 1 / (1 - a).
    """
    t = np.arange(1, n + 1)
    gains, theory = {}, {}
    for a in momenta:
        pts = trajectory("sgd", lambda w: np.array([slope]), [0.0], n, learning_rate=learning_rate,
                         momentum=float(a), lecture_form=True)["points"][:, 0]
        gains[float(a)] = np.abs(np.diff(pts)) / (learning_rate * abs(slope))
        theory[float(a)] = t.astype(float) if a == 1 else (1.0 - float(a) ** t) / (1.0 - float(a))
    return {"t": t, "gain": gains, "theory": theory,
            "limit": {a: np.inf if a == 1 else 1.0 / (1.0 - a) for a in gains},
            "measured": {a: float(g[-1]) for a, g in gains.items()}}
