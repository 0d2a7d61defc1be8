"""Optimizer paths over the lecture's rain gutter or two weights of the XOR network."""

from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import numpy as np

from .._errors import ConfigError
from ..demos.xor import T as XOR_T
from ..demos.xor import X as XOR_X
from . import data as D
from ._canvas import DPI, WIDTH, new_figure
from .train import trained_xor

__all__ = ["trajectories", "GUTTER_OPTIMIZERS", "XOR_OPTIMIZERS", "GUTTER_START", "optimizer_settings"]

# label: (optimizer, hyperparameters) for the gutter E = (0.1 w1^2 + 4 w2^2) / 2.  Plain descent
# runs just under the steep wall's stability limit (eta h_across = 1.92 < 2), so it zigzags;
# momentum at a lower rate still moves eta / (1 - a) = 1.0 per unit slope downhill, twice as far.
GUTTER_OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "gradient descent": ("sgd", {"learning_rate": 0.48}),
    "momentum": ("sgd", {"learning_rate": 0.2, "momentum": 0.8, "lecture_form": True}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.3, "rho": 0.99}),
    "adam": ("adam", {"learning_rate": 0.5}),
}
XOR_OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "gradient descent": ("sgd", {"learning_rate": 2.0}),
    "momentum": ("sgd", {"learning_rate": 0.4, "momentum": 0.8, "lecture_form": True}),
    "rmsprop": ("rmsprop", {"learning_rate": 0.1, "rho": 0.99}),
    "adam": ("adam", {"learning_rate": 0.2}),
}
GUTTER_START = (-9.0, 1.5)
_NAMES = {"learning_rate": "eta", "momentum": "a", "rho": "beta", "beta1": "beta1", "beta2": "beta2"}

GUTTER_CAPTION = (
    "Gradient descent, just under the steep wall's limit (eta x 4 = 1.92 < 2), flips across the gutter at every "
    "step and creeps along it. Momentum (dw <- a dw - eta dE/dw) cancels the alternating sideways pushes and adds up "
    "the downhill ones: at a lower eta it still moves eta/(1-a) per unit slope, so it swings less and travels "
    "further. RMSprop and Adam divide each step by sqrt(v), so both directions move about eta per step. Near "
    "the minimum v shrinks with the gradient and the steps stay about eta long: Adam hovers around it, and "
    "RMSprop with a short memory (beta = 0.9) can jump by up to eta/sqrt(1-beta) when a gradient grows after a "
    "run of tiny ones; beta = 0.99 here remembers the early large gradients.")
XOR_CAPTION = (
    "E of the XOR network over two of its weights, the other seven fixed at their trained values; the start is "
    "the trained values + (5, -5). The star is the minimum of E over these two weights (L-BFGS to |dE/dw| < "
    "1e-10): sigmoid units keep lowering E as the weights grow, so it lies beyond the trained values.")


def optimizer_settings(name: str, hyper: Mapping) -> str:
    """``"eta 0.2, a 0.8"``: the hyperparameters a figure's legend states."""
    parts = [f"{_NAMES[k]} {v:g}" for k, v in hyper.items() if k in _NAMES]
    return ", ".join(sorted(parts, key=lambda p: not p.startswith("eta")))


def _run_paths(optimizers: Mapping[str, tuple[str, dict]], loss, grad, w0, n_steps) -> dict:
    return {label: D.trajectory(name, grad, w0, n_steps, loss=loss, **kw)
            for label, (name, kw) in optimizers.items()}


def trajectories(problem: str = "gutter", optimizers: Mapping[str, tuple[str, dict]] | None = None,
                 n_steps: int | None = None, w0: Sequence[float] | None = None,
                 weights: Sequence[str] = ("v1", "v2"), seed: int = 0, dpi: float = DPI):
    """Paths of several optimizers over a landscape, and their loss per iteration.

    ``problem="gutter"``: the lecture's rain gutter (:func:`~backprop.plotting.data.rain_gutter`)
    from :data:`GUTTER_START`, with :data:`GUTTER_OPTIMIZERS`; ``problem="xor"``: two weights
    of a trained 2-2-1 XOR network, the others fixed, started at ``w0`` (default: trained
    values + (5, -5)), with the minimum of E over those two weights marked.  ``optimizers``
    maps a label to ``(name, hyperparameters)``; ``n_steps`` defaults to 40 (gutter) or 100
    (xor).  ``fig.backprop_data`` holds the paths, the grid, the minimum, each path's
    summary and the caption printed under the figure; ``fig.backprop_summary`` the lines
    ``backprop plot trajectories`` prints.
    """
    if problem == "gutter":
        loss, grad = D.rain_gutter()
        optimizers = optimizers or GUTTER_OPTIMIZERS
        w0 = np.array(GUTTER_START if w0 is None else w0, dtype=float)
        n_steps = n_steps or 40
        paths = _run_paths(optimizers, loss, grad, w0, n_steps)
        lim = max(np.abs(w0).max(), 1.0) * 1.1
        grid = D.grid_landscape(loss, (-lim, lim), (-lim / 3, lim / 3), 81)
        names, minimum, caption = ["w1 (along the gutter)", "w2 (across)"], np.zeros(2), GUTTER_CAPTION
        summary = {k: D.gutter_summary(p["points"], loss) for k, p in paths.items()}
        head = (f"rain gutter E = (0.1 w1^2 + 4 w2^2) / 2 from w = ({w0[0]:g}, {w0[1]:g}), {n_steps} "
                f"steps; the minimum is E = 0 at (0, 0)")
        rows = [f"  {k + ' (' + optimizer_settings(*optimizers[k]) + ')':<34} travelled "
                f"{s['travelled']:5.2f} along w1, mean |w2| {s['swing']:.3f}, E {s['E']:.3g}"
                for k, s in summary.items()]
    elif problem == "xor":
        sl = D.WeightSlice(trained_xor(seed), XOR_X, XOR_T, weights)
        optimizers = optimizers or XOR_OPTIMIZERS
        w0 = sl.center + np.array([5.0, -5.0]) if w0 is None else np.asarray(w0, dtype=float)
        n_steps = n_steps or 100
        paths = _run_paths(optimizers, sl.loss, sl.grad, w0, n_steps)
        best = D.slice_minimum(sl)
        minimum, caption = best["point"], XOR_CAPTION
        pts = np.vstack([w0[None], sl.center[None], minimum[None], *(p["points"] for p in paths.values())])
        lo, hi = pts.min(axis=0) - 1.0, pts.max(axis=0) + 1.0
        grid = D.grid_landscape(sl.loss, (lo[0], hi[0]), (lo[1], hi[1]), 61)
        names = list(weights)
        summary = {k: {"E": float(p["loss"][-1]), "distance": float(np.linalg.norm(p["points"][-1] - minimum)),
                       "steps": n_steps} for k, p in paths.items()}
        head = (f"XOR: weights {', '.join(weights)} of the trained 2-2-1 network (the others fixed) from "
                f"({w0[0]:.2f}, {w0[1]:.2f}), {n_steps} steps; the minimum is E = {best['E']:.3g} at "
                f"({minimum[0]:.2f}, {minimum[1]:.2f})")
        rows = [f"  {k + ' (' + optimizer_settings(*optimizers[k]) + ')':<34} E {s['E']:.3g}, "
                f"{s['distance']:.2f} from the minimum" for k, s in summary.items()]
    else:
        raise ConfigError(f"unknown problem {problem!r}; valid choices: gutter, xor")
    fig = new_figure(WIDTH * 1.2, 5.0, dpi)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.6, 1])
    top = float(np.nanmax(grid["E"]))
    levels = np.geomspace(max(grid["min"], top * 1e-4, 1e-12), top, 25)     # log-spaced: the valley floor too
    ax.contour(grid["w1"], grid["w2"], grid["E"], levels=levels, cmap="Greys", linewidths=0.6)
    for label, p in paths.items():
        legend = f"{label}: {optimizer_settings(*optimizers[label])}"
        ax.plot(*p["points"].T, ".-", ms=3, lw=1.2, label=legend)
        ax2.plot(p["loss"], label=legend)
    ax.plot(*w0, "ko", ms=6, label="start")
    if problem == "xor":
        ax.plot(*sl.center, "D", color="w", mec="k", ms=6, label="trained values")
    ax.plot(*minimum, "*", color="gold", mec="k", ms=16, zorder=5, label="minimum")
    ax.set(xlabel=names[0], ylabel=names[1], title=f"Optimizer paths ({problem}, {n_steps} steps)",
           xlim=(grid["w1"][0], grid["w1"][-1]), ylim=(grid["w2"][0], grid["w2"][-1]))
    ax.legend(fontsize=8)
    ax2.set(xlabel="iteration", ylabel="E", yscale="log", title="E along each path")
    fig.supxlabel(textwrap.fill(caption, 170), fontsize=7.5, ha="left", x=0.01)
    fig.backprop_data = {"problem": problem, "w0": w0, "paths": paths, "grid": grid,
                         "optimizers": dict(optimizers), "minimum": minimum, "summary": summary,
                         "caption": caption}
    fig.backprop_summary = [head, *rows]
    return fig
