"""Figures of the lecture, drawn with matplotlib's Agg backend (no display needed).

Every function returns a :class:`matplotlib.figure.Figure` and attaches the
numbers it drew as ``fig.backprop_data`` (computed by
:mod:`backprop.plotting.data`).  matplotlib is imported here only, lazily,
so the core library never needs it (``pip install backprop-mlp[plot]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .._errors import ConfigError
from ..demos.xor import T as XOR_T
from ..demos.xor import X as XOR_X
from ..network import Network
from . import data as D

__all__ = ["learning_curves", "landscape", "trajectories", "bias_correction", "decision_boundary",
           "momentum_gain", "save", "GUTTER_OPTIMIZERS", "XOR_OPTIMIZERS"]

# label: (optimizer, hyperparameters); rates for the gutter E = (0.1 w1^2 + 4 w2^2) / 2.
GUTTER_OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "gradient descent": ("sgd", {"learning_rate": 0.45}),
    "momentum a=0.9": ("sgd", {"learning_rate": 0.045, "momentum": 0.9, "lecture_form": True}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.3, "rho": 0.9}),
    "adam": ("adam", {"learning_rate": 0.5}),
}
XOR_OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "gradient descent": ("sgd", {"learning_rate": 2.0}),
    "momentum a=0.9": ("sgd", {"learning_rate": 0.2, "momentum": 0.9, "lecture_form": True}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.1, "rho": 0.9}),
    "adam": ("adam", {"learning_rate": 0.2}),
}


def _figure(width: float, height: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError("plots need matplotlib: pip install 'backprop-mlp[plot]'") from None
    fig = Figure(figsize=(width, height), dpi=80, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to a ``.png`` or ``.svg`` file."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"output file must end in .png or .svg, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def learning_curves(history: Any, title: str = "Learning curves"):
    """Training and validation loss, metrics and learning rate per epoch of one run."""
    h = D.history_arrays(history)
    ep = h["epoch"]
    lr_keys = [k for k in h if "learning_rate" in k or k == "lr"]
    losses = [k for k in h if "loss" in k]
    metrics = [k for k in h if k not in ("epoch", "iterations", "time", *lr_keys, *losses)
               and np.ndim(h[k]) == 1 and len(h[k]) == len(ep)]
    panels = [p for p in (losses, metrics, lr_keys) if p]
    fig = _figure(4.2 * len(panels), 3.2)
    for ax, keys in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        for k in keys:
            ax.plot(ep[:len(h[k])], h[k], label=k)
        if keys is losses and all(np.nanmin(h[k]) > 0 for k in keys):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.backprop_data = h
    return fig


def landscape(net: Network | None = None, X: np.ndarray | None = None, T: np.ndarray | None = None,
              weights: Sequence[str | int] = ("v1", "v2"), span: float = 6.0, n: int = 61,
              activation: str | None = None, compare_step: bool = False, seed: int = 0):
    """E over two weights of a network (others fixed), as contours and a 3-D surface.

    Without ``net``: the lecture's 2-2-1 sigmoid network trained on XOR.
    ``compare_step=True`` draws the same weights with step units beside it.
    ``fig.backprop_data`` maps activation name to the grid from
    :func:`~backprop.plotting.data.weight_landscape`.
    """
    if net is None:
        net, X, T = _trained_xor(seed), XOR_X, XOR_T
    acts = [activation or net.activations[0]] + (["step"] if compare_step else [])
    grids = {a: D.weight_landscape(net, X, T, weights, span, n, activation=a) for a in acts}
    fig = _figure(8.0, 3.6 * len(acts))
    for row, (a, g) in enumerate(grids.items()):
        ax = fig.add_subplot(len(acts), 2, 2 * row + 1)
        cs = ax.contourf(g["w1"], g["w2"], g["E"], levels=20, cmap="viridis")
        fig.colorbar(cs, ax=ax, label="E")
        ax.plot(*g["center"], "w*", ms=10, label="trained")
        ax.set(xlabel=g["names"][0], ylabel=g["names"][1], title=f"E, {a} units")
        ax3 = fig.add_subplot(len(acts), 2, 2 * row + 2, projection="3d")
        W1, W2 = np.meshgrid(g["w1"], g["w2"])
        ax3.plot_surface(W1, W2, g["E"], cmap="viridis", linewidth=0, antialiased=False)
        ax3.set(xlabel=g["names"][0], ylabel=g["names"][1], zlabel="E")
    fig.backprop_data = grids
    return fig


def _trained_xor(seed: int = 0) -> Network:
    from ..demos.xor import train
    for s in range(seed, seed + 50):
        net, _, _, ok = train(s, 2.0, 5000, 0.1)
        if ok:
            return net
    return net  # pragma: no cover


def _run_paths(optimizers: Mapping[str, tuple[str, dict]], loss, grad, w0, n_steps) -> dict:
    return {label: D.trajectory(name, grad, w0, n_steps, loss=loss, **kw)
            for label, (name, kw) in optimizers.items()}


def trajectories(problem: str = "gutter", optimizers: Mapping[str, tuple[str, dict]] | None = None,
                 n_steps: int | None = None, w0: Sequence[float] | None = None,
                 weights: Sequence[str] = ("v1", "v2"), seed: int = 0):
    """Paths of several optimizers over a landscape, and their loss per iteration.

    ``problem="gutter"``: the lecture's rain gutter (:func:`~backprop.plotting.data.rain_gutter`);
    ``problem="xor"``: two weights of a trained 2-2-1 XOR network, the others
    fixed, started at ``w0`` (default: trained values + (5, -5)).
    ``optimizers`` maps a label to ``(name, hyperparameters)``; ``n_steps``
    defaults to 60 (gutter) or 100 (xor).
    """
    if problem == "gutter":
        loss, grad = D.rain_gutter()
        optimizers = optimizers or GUTTER_OPTIMIZERS
        w0 = np.array([-9.0, 1.5] if w0 is None else w0, dtype=float)
        n_steps = n_steps or 60
        paths = _run_paths(optimizers, loss, grad, w0, n_steps)
        lim = max(np.abs(w0).max(), 1.0) * 1.1
        grid = D.grid_landscape(loss, (-lim, lim), (-lim / 3, lim / 3), 81)
        names = ["w1 (along the gutter)", "w2 (across)"]
    elif problem == "xor":
        sl = D.WeightSlice(_trained_xor(seed), XOR_X, XOR_T, weights)
        optimizers = optimizers or XOR_OPTIMIZERS
        w0 = sl.center + np.array([5.0, -5.0]) if w0 is None else np.asarray(w0, dtype=float)
        n_steps = n_steps or 100
        paths = _run_paths(optimizers, sl.loss, sl.grad, w0, n_steps)
        pts = np.vstack([w0[None], sl.center[None], *(p["points"] for p in paths.values())])
        lo, hi = pts.min(axis=0) - 1.0, pts.max(axis=0) + 1.0
        grid = D.grid_landscape(sl.loss, (lo[0], hi[0]), (lo[1], hi[1]), 61)
        names = list(weights)
    else:
        raise ConfigError(f"unknown problem {problem!r}; valid choices: gutter, xor")
    fig = _figure(11.0, 4.0)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.6, 1])
    ax.contour(grid["w1"], grid["w2"], grid["E"], levels=25, cmap="Greys", linewidths=0.6)
    for label, p in paths.items():
        ax.plot(*p["points"].T, ".-", ms=3, lw=1, label=label)
        ax2.plot(p["loss"], label=label)
    ax.plot(*w0, "ko", ms=5)
    ax.set(xlabel=names[0], ylabel=names[1], title=f"Optimizer paths ({problem})",
           xlim=(grid["w1"][0], grid["w1"][-1]), ylim=(grid["w2"][0], grid["w2"][-1]))
    ax.legend(fontsize=8)
    ax2.set(xlabel="iteration", ylabel="E", yscale="log", title="E along each path")
    fig.backprop_data = {"problem": problem, "w0": w0, "paths": paths, "grid": grid,
                         "optimizers": dict(optimizers)}
    return fig


def bias_correction(betas: Sequence[tuple[float, float]] = ((0.9, 0.999),), n: int = 100,
                    run: bool = True, learning_rate: float = 0.1, seed: int = 0):
    """Adam's bias-correction factors over iterations; with ``run``, a real run's effective steps.

    The run is full-batch Adam on the 2-2-1 XOR network from seed ``seed``.
    """
    curves = [D.bias_correction(b1, b2, n) for b1, b2 in betas]
    fig = _figure(9.5 if run else 5.0, 3.4)
    axes = fig.subplots(1, 2 if run else 1, squeeze=False)[0]
    for c in curves:
        axes[0].plot(c["t"], c["m_factor"], label=f"1/(1-beta1^t), beta1={c['beta1']:g}")
        axes[0].plot(c["t"], c["v_factor"], "--", label=f"1/(1-beta2^t), beta2={c['beta2']:g}")
    axes[0].set(xlabel="iteration t", ylabel="factor", yscale="log",
                title="Bias correction factors in Adam")
    axes[0].legend(fontsize=7)
    out: dict[str, Any] = {"curves": curves}
    if run:
        b1, b2 = betas[0]
        net = Network([2, 2, 1], random_state=seed)
        tr = D.adam_trace(net, XOR_X, XOR_T, n, learning_rate=learning_rate, beta1=b1, beta2=b2)
        ax = axes[1]
        ax.fill_between(tr["t"], tr["rate_min"], tr["rate_max"], alpha=0.25,
                        label="effective rate eta/(sqrt(v_hat)+eps), min-max")
        ax.plot(tr["t"], tr["rate_median"], label="effective rate, median")
        ax.plot(tr["t"], tr["step_median"], label="|step|, median")
        ax.axhline(learning_rate, color="k", ls=":", lw=1, label="eta")
        ax.set(xlabel="iteration t", ylabel="rate, |step|", yscale="log", title="Adam on XOR (2-2-1)")
        ax.legend(fontsize=7)
        out["run"] = tr
    fig.backprop_data = out
    return fig


def decision_boundary(net: Network, X: np.ndarray, y: np.ndarray | None = None,
                      hidden_lines: bool = True, title: str = "Decision boundary"):
    """Output of a 2-input network over the plane, the data, and hidden units' lines u_j = 0."""
    d = D.decision_surface(net, X)
    fig = _figure(4.8, 4.2)
    ax = fig.add_subplot()
    if d["n_outputs"] == 1:
        cs = ax.contourf(d["x1"], d["x2"], d["Z"], levels=20, cmap="RdBu_r", alpha=0.8)
        ax.contour(d["x1"], d["x2"], d["Z"], levels=[0.5 if net.activations[-1] != "tanh" else 0.0],
                   colors="k", linewidths=1.5)
        fig.colorbar(cs, ax=ax, label="z")
    else:
        ax.contourf(d["x1"], d["x2"], d["Z"], levels=np.arange(d["n_outputs"] + 1) - 0.5,
                    cmap="tab10", alpha=0.4)
    X = np.asarray(X)
    ax.scatter(X[:, 0], X[:, 1], c="k" if y is None else np.asarray(y).reshape(len(X), -1)
               .argmax(axis=1) if np.ndim(y) == 2 and np.shape(y)[1] > 1 else y,
               cmap="coolwarm", edgecolors="k", s=18)
    if hidden_lines:
        x1 = d["x1"]
        for j, (a, b, c) in enumerate(d["hidden_lines"], 1):
            if abs(b) > 1e-12:
                ax.plot(x1, -(a * x1 + c) / b, "--", lw=1, label=f"hidden unit {j}: u{j}=0")
            elif abs(a) > 1e-12:
                ax.axvline(-c / a, ls="--", lw=1, label=f"hidden unit {j}: u{j}=0")
        if len(d["hidden_lines"]) <= 8:
            ax.legend(fontsize=7, loc="upper right")
    ax.set(xlim=(d["x1"][0], d["x1"][-1]), ylim=(d["x2"][0], d["x2"][-1]), xlabel="x1",
           ylabel="x2", title=title)
    fig.backprop_data = d
    return fig


def momentum_gain(momenta: Sequence[float] = (0.0, 0.5, 0.9), n: int = 100,
                  learning_rate: float = 0.01, slope: float = 1.0):
    """Step length of momentum on a constant slope, measured, against the lecture's 1/(1-a)."""
    d = D.momentum_gain(momenta, slope, learning_rate, n)
    fig = _figure(5.5, 3.6)
    ax = fig.add_subplot()
    for a, g in d["gain"].items():
        line, = ax.plot(d["t"], g, label=f"a={a:g}: measured {d['measured'][a]:.3f}")
        if np.isfinite(d["limit"][a]):
            ax.axhline(d["limit"][a], color=line.get_color(), ls=":", lw=1)
    ax.set(xlabel="iteration t", ylabel="|dw| / (eta |dE/dw|)",
           title="Momentum speed-up on a constant slope (dotted: 1/(1-a))")
    ax.legend(fontsize=8)
    fig.backprop_data = d
    return fig
