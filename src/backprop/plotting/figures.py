"""Figures of the lecture, drawn with matplotlib's Agg backend (no display needed).

Every function returns a :class:`matplotlib.figure.Figure` and attaches the
numbers it drew as ``fig.backprop_data`` (computed by
:mod:`backprop.plotting.data`); where a figure makes a claim (a measured
ratio, an accuracy), ``fig.backprop_summary`` holds the lines that state it,
which ``backprop plot`` prints.  Figures are :data:`DPI` (150) dots per inch
and about 1200 pixels wide, for a projector; every function takes ``dpi=``.
matplotlib is imported lazily, so the core library never needs it
(``pip install backprop-mlp[plot]``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..demos.xor import T as XOR_T
from ..demos.xor import X as XOR_X
from ..network import Network
from . import data as D
from ._canvas import DPI, WIDTH, new_figure, save
from .boundary import decision_boundary
from .paths import GUTTER_OPTIMIZERS, XOR_OPTIMIZERS, trajectories
from .train import trained_xor

__all__ = ["learning_curves", "landscape", "trajectories", "bias_correction", "decision_boundary",
           "momentum_gain", "save", "DPI", "GUTTER_OPTIMIZERS", "XOR_OPTIMIZERS"]


def learning_curves(history: Any, title: str = "Learning curves", dpi: float = DPI):
    """Training and validation loss, metrics and learning rate per epoch of one run."""
    h = D.history_arrays(history)
    ep = h["epoch"]
    lr_keys = [k for k in h if "learning_rate" in k or k == "lr"]
    losses = [k for k in h if "loss" in k]
    metrics = [k for k in h if k not in ("epoch", "iterations", "time", *lr_keys, *losses)
               and np.ndim(h[k]) == 1 and len(h[k]) == len(ep)]
    panels = [p for p in (losses, metrics, lr_keys) if p]
    fig = new_figure(max(WIDTH, 3.4 * len(panels)), 3.6, dpi)
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
              activation: str | None = None, compare_step: bool = False, seed: int = 0,
              dpi: float = DPI):
    """E over two weights of a network (others fixed), as contours and a 3-D surface.

    Without ``net``: the lecture's 2-2-1 sigmoid network trained on XOR.
    ``compare_step=True`` draws the same weights with step units beside it.
    ``fig.backprop_data`` maps activation name to the grid from
    :func:`~backprop.plotting.data.weight_landscape`.
    """
    if net is None:
        net, X, T = trained_xor(seed), XOR_X, XOR_T
    acts = [activation or net.activations[0]] + (["step"] if compare_step else [])
    grids = {a: D.weight_landscape(net, X, T, weights, span, n, activation=a) for a in acts}
    fig = new_figure(WIDTH, 3.6 * len(acts), dpi)
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


def bias_correction(betas: Sequence[tuple[float, float]] = ((0.9, 0.999),), n: int = 100,
                    run: bool = True, learning_rate: float = 0.1, seed: int = 0, dpi: float = DPI):
    """Adam's bias-correction factors over iterations; with ``run``, a real run's effective steps.

    The run is full-batch Adam on the 2-2-1 XOR network from seed ``seed``.
    """
    curves = [D.bias_correction(b1, b2, n) for b1, b2 in betas]
    fig = new_figure(WIDTH * 1.1 if run else WIDTH * 0.6, 3.6, dpi)
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


def momentum_gain(momenta: Sequence[float] = (0.0, 0.5, 0.9), n: int = 100,
                  learning_rate: float = 0.01, slope: float = 1.0, dpi: float = DPI):
    """Step length of momentum on a constant slope, measured, against the lecture's 1/(1-a)."""
    d = D.momentum_gain(momenta, slope, learning_rate, n)
    fig = new_figure(WIDTH, 4.6, dpi)
    ax = fig.add_subplot()
    for a, g in d["gain"].items():
        line, = ax.plot(d["t"], g, label=f"a={a:g}: measured {d['measured'][a]:.3f}")
        if np.isfinite(d["limit"][a]):
            ax.axhline(d["limit"][a], color=line.get_color(), ls=":", lw=1)
    ax.set(xlabel="iteration t", ylabel="|dw| / (eta |dE/dw|)",
           title="Momentum speed-up on a constant slope (dotted: 1/(1-a))")
    ax.legend(fontsize=8)
    fig.backprop_data = d
    fig.backprop_summary = [f"a = {a:g}: step ratio after {n} steps {d['measured'][a]:.4f}, 1/(1-a) = "
                            f"{d['limit'][a]:.4f}" for a in d["gain"]]
    return fig

