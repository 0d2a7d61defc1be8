"""backprop: multi-layer networks trained by backpropagation, from first principles on NumPy."""

from . import activations, datasets, initializers, losses
from ._errors import BackpropError, ConfigError, DataError
from .csvio import read_csv, write_csv
from .explain import Explanation, explain
from .io import ModelFileError, load_model, save_model
from .model import Model
from .network import Layer, Network
from .training import ConvergenceWarning, History, Trainer, TrainingDiverged, fit

__version__ = "0.1.0"

__all__ = [
    "Network", "Layer", "explain", "Explanation",
    "Model", "save_model", "load_model", "ModelFileError",
    "fit", "Trainer", "History", "ConvergenceWarning", "TrainingDiverged",
    "datasets", "read_csv", "write_csv",
    "activations", "losses", "initializers",
    "BackpropError", "ConfigError", "DataError", "__version__",
]
