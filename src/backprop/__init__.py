"""backprop: multi-layer networks trained by backpropagation, from first principles on NumPy."""

from . import activations, datasets, initializers, losses
from ._errors import BackpropError, ConfigError, DataError
from .csvio import read_csv, write_csv
from .explain import Explanation, explain
from .network import Layer, Network

__version__ = "0.1.0"

__all__ = ["Network", "Layer", "explain", "Explanation", "activations", "losses", "initializers",
           "BackpropError", "ConfigError", "DataError", "__version__", "datasets", "read_csv", "write_csv"]
