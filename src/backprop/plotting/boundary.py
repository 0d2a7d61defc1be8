"""A 2-input network's decision boundary, its first hidden layer's lines and the data, with accuracy."""

from __future__ import annotations

import numpy as np

from ..network import Network
from . import data as D
from ._canvas import DPI, WIDTH, new_figure

__all__ = ["decision_boundary", "HIDDEN_COLOURS", "HIDDEN_STYLES", "MAX_HIDDEN_LINES"]

# Hidden units' lines: colours apart from the red/blue output shading, each with its own dash.
HIDDEN_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#444444")
HIDDEN_STYLES = ((0, (4, 1.5)), (0, (4, 1.5, 1, 1.5)), (0, (1, 1)), (0, (4, 1.5, 1, 1.5, 1, 1.5)))
MAX_HIDDEN_LINES = 8          # more lines than this hide the picture (``hidden_lines=True`` forces them)
CLASS_COLOURS = ("#2166ac", "#b2182b")          # two classes: the ends of the output's colour map
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _line_label(net: Network, j: int) -> str:
    if tuple(net.layer_sizes) == (2, 2, 1):
        return f"hidden unit {j}: u{j} = b{j} + w{j}1 x1 + w{j}2 x2 = 0 (+ where u{j} > 0)"
    return f"hidden unit {j} (layer 1): u[1][{j}] = 0 (+ where u[1][{j}] > 0)"


def decision_boundary(net: Network, X: np.ndarray, y: np.ndarray | None = None,
                      hidden_lines: bool | None = None, title: str = "Decision boundary",
                      dpi: float = DPI):
    """Output of a 2-input network over the plane, the data, and hidden units' lines u_j = 0.

    The output is shaded pale (red high, blue low; one colour per class for several
    outputs) under the boundary, a thin solid black line on top; each first-layer unit's
    line u_j = 0, where that unit is half on, is a broad band with its own colour and
    dash (visible where it coincides with the boundary, as on a trained XOR network), a
    legend entry and a ``+`` on its u_j > 0 side.  Points are drawn per class with
    their own marker, a saturated face and a black-and-white edge that stands out on
    either shading.  With ``y`` the title gives the accuracy
    (:func:`~backprop.plotting.data.accuracy_2d`).  ``hidden_lines=None`` draws the
    lines when the first layer has at most :data:`MAX_HIDDEN_LINES` units.
    ``fig.backprop_data`` holds the surface, the lines and (with ``y``) the accuracy.
    """
    from matplotlib import patheffects as pe
    from matplotlib.lines import Line2D
    d = D.decision_surface(net, X)
    X = np.asarray(X, dtype=float)
    fig = new_figure(WIDTH, 7.4, dpi)
    ax = fig.add_subplot()
    handles = []
    if d["n_outputs"] == 1:
        level = 0.0 if net.activations[-1] == "tanh" else 0.5
        cs = ax.contourf(d["x1"], d["x2"], d["Z"], levels=20, cmap="RdBu_r", alpha=0.4)
        ax.contour(d["x1"], d["x2"], d["Z"], levels=[level], colors="k", linewidths=2, zorder=4)
        fig.colorbar(cs, ax=ax, label="network output z", shrink=0.85)
        handles.append(Line2D([], [], color="k", lw=2, label=f"output boundary z = {level:g}"))
    else:
        k = d["n_outputs"]
        ax.contourf(d["x1"], d["x2"], d["Z"], levels=np.arange(k + 1) - 0.5, cmap="tab10",
                    vmin=-0.5, vmax=9.5, alpha=0.25)
        ax.contour(d["x1"], d["x2"], d["Z"], levels=np.arange(k - 1) + 0.5, colors="k", linewidths=2,
                   zorder=4)
        handles.append(Line2D([], [], color="k", lw=2, label="class boundaries (largest output)"))
    n_lines = len(d["hidden_lines"])
    draw = n_lines <= MAX_HIDDEN_LINES if hidden_lines is None else hidden_lines
    drawn = []
    if draw:
        x1 = d["x1"]
        mid = np.array([x1.mean(), d["x2"].mean()])
        span = max(x1[-1] - x1[0], d["x2"][-1] - d["x2"][0])
        for j, (a, b, c) in enumerate(d["hidden_lines"], 1):
            colour = HIDDEN_COLOURS[(j - 1) % len(HIDDEN_COLOURS)]
            style = HIDDEN_STYLES[(j - 1) % len(HIDDEN_STYLES)]
            norm = np.hypot(a, b)
            if norm < 1e-12:
                continue                                  # u_j is constant: no line
            if abs(b) > 1e-12 * norm:
                line, = ax.plot(x1, -(a * x1 + c) / b, ls=style, lw=4.5, color=colour,
                                label=_line_label(net, j), zorder=3)
            else:
                line = ax.axvline(-c / a, ls=style, lw=4.5, color=colour, label=_line_label(net, j),
                                  zorder=3)
            n = np.array([a, b]) / norm                   # towards u_j > 0
            foot = mid - (n @ mid + c / norm) * n         # the line's point nearest the middle
            ax.text(*(foot + 0.05 * span * n), "+", color=colour, fontsize=16, fontweight="bold",
                    ha="center", va="center", zorder=5, path_effects=[pe.withStroke(linewidth=3,
                                                                                   foreground="white")])
            drawn.append(line)
    handles += drawn
    acc = None
    if y is not None:
        acc = D.accuracy_2d(net, X, y)
        labels, classes = acc["labels"], np.unique(acc["labels"])
        colours = CLASS_COLOURS if len(classes) <= 2 else [f"C{i}" for i in range(10)]
        size = 140 if len(X) <= 20 else 36
        for i, cls in enumerate(classes):
            pts = X[labels == cls]
            handles.append(ax.scatter(pts[:, 0], pts[:, 1], s=size, marker=MARKERS[i % len(MARKERS)],
                                      color=colours[i % len(colours)], edgecolors="white", linewidths=1.2,
                                      zorder=6, label=f"class {cls}",
                                      path_effects=[pe.withStroke(linewidth=3.2, foreground="black")]))
        title = f"{title}: accuracy {acc['accuracy']:.1%} ({acc['correct']} of {acc['n']} points)"
    else:
        ax.scatter(X[:, 0], X[:, 1], s=24, color="k", edgecolors="white", linewidths=0.8, zorder=6)
    ax.set(xlim=(d["x1"][0], d["x1"][-1]), ylim=(d["x2"][0], d["x2"][-1]), xlabel="x1",
           ylabel="x2", title=title, aspect="equal")
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=9, framealpha=0.95)
    fig.backprop_data = {**d, "accuracy": acc, "lines_drawn": len(drawn)}
    return fig
