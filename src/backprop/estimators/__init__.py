"""scikit-learn compatible estimators: ``MLPClassifier`` and ``MLPRegressor`` (needs scikit-learn).

They hold no training logic: they check the data, build the preprocessing and the
:class:`~backprop.Network`, translate scikit-learn's hyperparameters and call
:class:`~backprop.training.Trainer`.  See ``docs/estimators.md``.
"""

try:
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("backprop's estimators need scikit-learn: pip install 'backprop-mlp[sklearn]'") from exc

from ._base import sklearn_init
from ._mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "sklearn_init"]
