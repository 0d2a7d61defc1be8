"""Loss curves over many seeds: median and interquartile band per optimizer."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._canvas import DPI, WIDTH, new_figure

__all__ = ["seed_curves"]


def seed_curves(runs: Sequence[dict], title: str = "Loss over seeds", target: float | None = None,
                dpi: float = DPI):
    """One line per run group (``label``, ``loss`` of shape (epochs, seeds)): median and IQR band.

    ``fig.backprop_data`` maps each label to ``{"epoch", "median", "q25", "q75"}``.
    """
    fig = new_figure(WIDTH, 4.8, dpi)
    ax = fig.add_subplot()
    data = {}
    for run in runs:
        loss = np.where(np.isfinite(run["loss"]), run["loss"], np.nan)
        ep = np.arange(1, len(loss) + 1)
        q25, med, q75 = np.nanpercentile(loss, [25, 50, 75], axis=1)
        data[run["label"]] = {"epoch": ep, "median": med, "q25": q25, "q75": q75}
        line, = ax.plot(ep, med, lw=1.2, label=f"{run['label']} (lr {run['learning_rate']:g})")
        ax.fill_between(ep, q25, q75, color=line.get_color(), alpha=0.15)
    if target is not None:
        ax.axhline(target, color="k", ls=":", lw=1, label="target")
    ax.set(xlabel="epoch", ylabel="training loss (median, IQR band)", yscale="log", title=title)
    ax.legend(fontsize=7, ncol=2)
    fig.backprop_data = data
    return fig
