"""backprop: multi-layer networks trained by backpropagation, from first principles on NumPy."""

from . import activations, datasets, initializers, losses
from ._errors import BackpropError, ConfigError, DataError
from .csvio import read_csv, write_csv
from .explain import Explanation, explain
from .io import ModelFileError, load_model, save_model
from .model import Model
from .network import Layer, Network
from .training import ConvergenceWarning, History, Trainer, TrainingDiverged, fit
from .stack import NetworkStack

__version__ = "0.1.0"

__all__ = [
    "Network", "Layer", "explain", "Explanation",
    "Model", "save_model", "load_model", "ModelFileError",
    "fit", "Trainer", "History", "NetworkStack", "ConvergenceWarning", "TrainingDiverged",
    "datasets", "read_csv", "write_csv",
    "activations", "losses", "initializers",
    "BackpropError", "ConfigError", "DataError", "__version__",
    "MLPClassifier", "MLPRegressor",
]


def __getattr__(name: str):
    if name in ("MLPClassifier", "MLPRegressor"):  # imported lazily: they need scikit-learn
        from . import estimators
        return getattr(estimators, name)
    raise AttributeError(f"module 'backprop' has no attribute {name!r}")
