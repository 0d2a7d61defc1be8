"""The figure canvas shared by every picture: matplotlib's Agg backend at a projector's resolution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import ConfigError

__all__ = ["DPI", "WIDTH", "new_figure", "save"]

DPI = 150          # dots per inch of every figure unless ``dpi=`` says otherwise
WIDTH = 8.0        # inches: 1200 pixels at DPI, what a lecture-hall projector shows sharply


def new_figure(width: float, height: float, dpi: float = DPI):
    """A constrained-layout Figure on an Agg canvas (no display needed)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError("plots need matplotlib: pip install 'backprop-mlp[plot]'") from None
    if not (isinstance(dpi, (int, float)) and 20 <= dpi <= 1200):
        raise ConfigError(f"dpi must be a number in [20, 1200], got {dpi!r}")
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to a ``.png`` (at the figure's own dpi) or ``.svg`` file."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"output file must end in .png or .svg, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=fig.dpi)
    return path
