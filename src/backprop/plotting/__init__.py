"""Pictures of the lecture: landscapes, optimizer paths, learning curves, decision boundaries.

``backprop.plotting.data`` computes the numbers (NumPy only);
``backprop.plotting.figures`` draws them with matplotlib (an optional extra,
imported when a figure is made).  Each figure function returns a Figure with
the numbers it drew attached as ``fig.backprop_data``.
"""

from . import data
from .figures import (bias_correction, decision_boundary, landscape, learning_curves,
                      momentum_gain, save, trajectories)

__all__ = ["data", "learning_curves", "landscape", "trajectories", "bias_correction",
           "decision_boundary", "momentum_gain", "save"]
