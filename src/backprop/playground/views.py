"""What the page shows, computed from the library at one state of training.

* :func:`maps` -- the network's output over the plot's plane (decision boundary,
  or the fitted curve for 1-D data), every unit's own output y and every network
  input (the derived features) over it, from :meth:`Network.forward_trace`;
  quantised to bytes for the wire.  With more than two input columns the plane is
  spanned by two of them, the others held at their training means.
* :func:`inspect_weight` -- a parameter's value, dE/dw over the training set
  (``loss_and_grad``, plus the trainer's coupled decay lambda w), the chain-rule
  terms of one sample (:func:`backprop.explain`) and the optimizer's state for it.
* :func:`inspect_unit` -- a unit's u, y and delta = dE/du for one sample
  (delta is dE/db of the unit's bias, since du/db = 1).
* :func:`landscape` -- E over a grid of two parameters, the others held where
  they are (the error surface the optimizer's path is drawn on).
"""

from __future__ import annotations

import base64
import math
from typing import Any, Callable

import numpy as np

from ..explain import explain
from ..network import Network
from ..training.setup import decay_mask
from .data import PlayData

__all__ = ["maps", "resolutions", "param_names", "inspect_weight", "inspect_unit", "landscape",
           "ACT_RANGE"]

# Value range of each activation for the colour scale: (low, neutral, high); None = from the data.
ACT_RANGE = {"sigmoid": (0.0, 0.5, 1.0), "step": (0.0, 0.5, 1.0), "tanh": (-1.0, 0.0, 1.0),
             "softmax": (0.0, 0.5, 1.0)}


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _encode(values: np.ndarray, lo: float, mid: float, hi: float) -> dict[str, Any]:
    """Values quantised to 0..255 between lo and hi (base64), with the neutral value ``mid``."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=mid, posinf=hi, neginf=lo)
    span = hi - lo if hi > lo else 1.0
    q = np.clip(np.round((v - lo) / span * 255.0), 0, 255).astype(np.uint8)
    return {"lo": lo, "mid": mid, "hi": hi, "shape": list(v.shape),
            "data": base64.b64encode(q.tobytes()).decode("ascii")}


def _layer_maps(Y: np.ndarray, act: str, shape: list[int]) -> dict[str, Any]:
    """One layer's units, each column of ``Y`` a map, quantised in one go.

    ``lo``, ``mid``, ``hi`` per unit: the activation's range, or for unbounded ones the
    largest |y| over the grid (0..max for relu); ``data`` holds the maps one after another.
    """
    n = Y.shape[1]
    if act in ACT_RANGE:
        lo, mid, hi = (np.full(n, v) for v in ACT_RANGE[act])
    else:
        m = np.max(np.abs(np.where(np.isfinite(Y), Y, 0.0)), axis=0, initial=0.0)
        m[m == 0] = 1.0
        lo, mid, hi = (np.zeros(n) if act == "relu" else -m), np.zeros(n), m
    V = np.where(np.isnan(Y), mid, np.clip(Y, lo, hi))
    q = np.round((V - lo) / (hi - lo) * 255.0).astype(np.uint8)
    return {"n": n, "shape": shape, "lo": lo.tolist(), "mid": mid.tolist(), "hi": hi.tolist(),
            "data": base64.b64encode(np.ascontiguousarray(q.T).tobytes()).decode("ascii")}


def grid_points(data: PlayData, res: int) -> np.ndarray:
    """Raw input points of the plot: a res x res grid of the plane (row 0 at the top), or res
    points on a line for 1-D plots; every other column at its training mean."""
    b = data.bounds()
    xs = np.linspace(b[0][0], b[0][1], res)
    if len(data.plane) == 1:
        return data.plane_points(xs)
    gx, gy = np.meshgrid(xs, np.linspace(b[1][1], b[1][0], res))
    return data.plane_points(gx.ravel(), gy.ravel())


def resolutions(n_params: int, n_units: int) -> tuple[int, int]:
    """Grid sizes of the output map and of each unit's map: fine for small networks, coarser
    where one forward pass over the grid would cost more than about 4 million multiply-adds."""
    res_out = int(np.clip(np.sqrt(4e6 / max(n_params, 1)), 20, 48))
    res_unit = 20 if n_units <= 64 else 14 if n_units <= 256 else 10
    return res_out, res_unit


def maps(net: Network, data: PlayData, res_out: int = 48, res_unit: int = 20) -> dict[str, Any]:
    """The output over the plot's plane and every unit's output y over it (one map per unit);
    the network's inputs (the features) over the plane too."""
    one_d = len(data.plane) == 1
    if one_d:
        res_out, res_unit = 160, 80
    P = grid_points(data, res_out)
    _, ys = net.forward_trace(data.inputs(P))
    z = ys[-1]
    shape = [res_out] if one_d else [res_out, res_out]
    if one_d and z.shape[1] == 1:          # a fitted curve, or P(class 1) over x
        output = {"kind": "curve", "values": [_finite(v) for v in z[:, 0]]}
    elif data.task == "regression":
        t = data.T[:, 0]
        output = {"kind": "value", **_encode(z[:, 0].reshape(shape), float(t.min()),
                                              float(np.median(t)), float(t.max()))}
    elif z.shape[1] == 1:
        out = z[:, 0]
        lo, hi = min(0.0, float(np.nanmin(out, initial=0))), max(1.0, float(np.nanmax(out, initial=1)))
        output = {"kind": "binary", **_encode(out.reshape(shape), lo, 0.5, hi)}
    else:
        output = {"kind": "classes", **_encode(np.argmax(z, axis=1).reshape(shape), 0, 0,
                                                 z.shape[1] - 1),
                  "confidence": _encode(np.max(z, axis=1).reshape(shape), 0.0, 0.5, 1.0)["data"]}
    Pu = grid_points(data, res_unit)
    Xu = data.inputs(Pu)
    _, yu = net.forward_trace(Xu)
    ushape = [res_unit] if one_d else [res_unit, res_unit]
    # every unit's own output y (the output units' too) and every input, one block per layer
    units = [_layer_maps(y, layer.activation.name, ushape) for layer, y in zip(net.layers, yu)]
    return {"output": output, "units": units[:-1], "output_units": units[-1],
            "input_units": _layer_maps(Xu, "identity", ushape), "bounds": data.bounds()}


def param_names(net: Network, x: np.ndarray, t: np.ndarray, loss: str) -> list[str]:
    """Each parameter's name in the flat layout, as :func:`backprop.explain` names its gradient."""
    exp = explain(net, x, t, loss=loss, finite_differences=False)
    return [g.name.removeprefix("dE/d") for g in exp.gradients]


def _locate(net: Network, index: int) -> dict[str, Any]:
    """Layer (1-based), kind and position of flat parameter ``index``."""
    at = 0
    for l, (n_in, n_out) in enumerate(zip(net.layer_sizes[:-1], net.layer_sizes[1:]), start=1):
        if index < at + n_out * n_in:
            j, k = divmod(index - at, n_in)
            return {"layer": l, "kind": "weight", "to": j, "from": k}
        at += n_out * n_in
        if index < at + n_out:
            return {"layer": l, "kind": "bias", "to": index - at}
        at += n_out
    raise IndexError(index)


def optimizer_view(state: dict, index: int, n_params: int) -> dict[str, Any]:
    """The optimizer's state for one parameter: per-parameter entries at ``index``, scalars as they are."""
    out: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            if value.shape == (n_params,):
                out[key] = _finite(value[index])
        elif isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out[key] = _finite(value) if isinstance(value, (float, np.floating)) else int(value)
        elif isinstance(value, str):
            out[key] = value
    return out


def inspect_weight(net: Network, data: PlayData, options: dict[str, Any], opt_state: dict,
                   last_grad: np.ndarray | None, index: int, sample: int) -> dict[str, Any]:
    """Value, gradient, chain rule for one training sample, and optimizer state of parameter ``index``."""
    X, T = data.X_train, data.T_train
    loss, wd = options["loss"], options["weight_decay"]
    E, g = net.loss_and_grad(X, T, loss=loss, reduction="mean")
    mask = decay_mask(net, wd)
    decay = float(mask[index] * net.params[index]) if mask is not None else 0.0
    exp = explain(net, X[sample], T[sample], loss=loss, finite_differences=[index])  # the clicked one
    ge = exp.gradients[index]
    return {"kind": "weight", "index": index, "name": ge.name.removeprefix("dE/d"),
            **_locate(net, index), "value": float(net.params[index]),
            "gradient": _finite(g[index] + decay), "gradient_data": _finite(g[index]),
            "gradient_decay": decay, "n_train": len(X), "loss": _finite(E),
            "last_update_gradient": None if last_grad is None else _finite(last_grad[index]),
            "sample": sample, "x": exp.x, "t": exp.t, "sample_E": _finite(exp.E),
            "chain": [{"name": c.name, "value": _finite(c.value), "formula": c.formula}
                      for c in ge.chain],
            "product": _finite(ge.product), "backprop": _finite(ge.backprop),
            "finite_difference": _finite(ge.finite_difference),
            "optimizer": optimizer_view(opt_state, index, net.n_params)}


def inspect_unit(net: Network, data: PlayData, loss: str, layer: int, unit: int,
                 sample: int) -> dict[str, Any]:
    """u, y = g(u) and delta = dE/du of unit ``unit`` in layer ``layer`` (1-based) for one sample."""
    x, t = data.X_train[sample:sample + 1], data.T_train[sample:sample + 1]
    us, ys = net.forward_trace(x)
    _, g = net.loss_and_grad(x, t, loss=loss, reduction="sum")
    _, gb = net.unflatten(g)[layer - 1]
    lecture = tuple(net.layer_sizes) == (2, 2, 1)
    out_layer = layer == len(net.layers)
    if lecture:
        u_name, y_name = ("s", "z") if out_layer else (f"u{unit + 1}", f"y{unit + 1}")
    else:
        u_name, y_name = f"u[{layer}][{unit + 1}]", f"y[{layer}][{unit + 1}]"
    n_in = net.layer_sizes[layer - 1]
    start = sum(o * i + o for i, o in zip(net.layer_sizes[:layer - 1], net.layer_sizes[1:layer]))
    return {"kind": "unit", "layer": layer, "unit": unit, "sample": sample,
            "activation": net.layers[layer - 1].activation.name, "u_name": u_name, "y_name": y_name,
            "u": _finite(us[layer - 1][0, unit]), "y": _finite(ys[layer - 1][0, unit]),
            "delta": _finite(gb[unit]), "x": x[0].tolist(), "t": t[0].tolist(),
            "incoming": [start + unit * n_in + k for k in range(n_in)],
            "bias_index": start + net.layer_sizes[layer] * n_in + unit}


def landscape(net: Network, data: PlayData, options: dict[str, Any], i: int, j: int,
              path: np.ndarray, res: int,
              between_rows: Callable[[], None] | None = None) -> dict[str, Any]:
    """E_total over a res x res grid of parameters i and j (all others fixed at their current values);
    the grid covers ``path``, the optimizer's path in (theta_i, theta_j).

    ``between_rows()`` is called after each row of the grid (it may raise to stop the work).
    """
    probe = net.copy()
    X, T = data.X_train, data.T_train
    mask = decay_mask(net, options["weight_decay"])
    pts = np.vstack([path, net.params[[i, j]][None, :]])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    half = np.maximum((hi - lo) * 0.65, 1.0)
    mid = (lo + hi) / 2
    a_vals = np.linspace(mid[0] - half[0], mid[0] + half[0], res)
    b_vals = np.linspace(mid[1] + half[1], mid[1] - half[1], res)   # row 0 at the top
    E = np.empty((res, res))
    for r, b in enumerate(b_vals):
        probe.params[j] = b
        for c, a in enumerate(a_vals):
            probe.params[i] = a
            E[r, c] = probe.loss(X, T, options["loss"], reduction="mean")
            if mask is not None:
                E[r, c] += 0.5 * float((mask * probe.params) @ probe.params)
        if between_rows is not None:
            between_rows()
    finite = E[np.isfinite(E)]
    lo_e, hi_e = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return {"type": "landscape", "i": i, "j": j, "a": [float(a_vals[0]), float(a_vals[-1])],
            "b": [float(b_vals[-1]), float(b_vals[0])], "res": res, "E_min": lo_e, "E_max": hi_e,
            "E": [[_finite(v) for v in row] for row in E],
            "current": [float(net.params[i]), float(net.params[j])]}
