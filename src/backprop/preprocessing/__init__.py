"""The lecture's training tips as fitted transformers that save without pickle.

    re-scale inputs to [0, 1] or [-1, 1]       MinMaxScaler    x' = (x - min) (hi - lo) / (max - min) + lo
    standardise                                StandardScaler  x' = (x - mean) / std
    replace missing values by the column mean  MeanImputer     x' = mean of the non-missing training values
    drop columns that carry no information     ConstantColumnRemover
    re-scale regression targets                TargetScaler    (inverse_transform maps predictions back)
    an ordered chain of the above              Preprocessor
    derived features (x1^2, x1*x2, sin(x1))    DerivedFeatures  (TensorFlow Playground's inputs)

Every statistic is learnt by ``fit`` from the *training* data only and
reused unchanged by ``transform`` on validation and test data.  A constant
column gets scale 1 (never a division by zero).  The classes follow
scikit-learn's conventions (``get_params``/``set_params``, fitted attributes
ending in ``_``; ``sklearn.base.clone`` works) without importing it.  Each
one saves as ``config, arrays = t.to_state()`` -- a JSON-able dict and a
dict of NumPy arrays -- and is rebuilt by ``TRANSFORMERS[config["type"]]
.from_state(config, arrays)`` (or :func:`transformer_from_state`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import check_choice
from .base import State, Transformer
from .chain import Preprocessor
from .cleaning import ConstantColumnRemover, MeanImputer
from .features import DerivedFeatures
from .scaling import MinMaxScaler, StandardScaler, TargetScaler

__all__ = ["Transformer", "MinMaxScaler", "StandardScaler", "MeanImputer", "ConstantColumnRemover",
           "TargetScaler", "Preprocessor", "DerivedFeatures", "TRANSFORMERS", "transformer_from_state",
           "State"]

TRANSFORMERS: dict[str, type[Transformer]] = {
    cls.__name__: cls for cls in (MinMaxScaler, StandardScaler, MeanImputer, ConstantColumnRemover,
                                  TargetScaler, Preprocessor, DerivedFeatures)
}


def transformer_from_state(config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Transformer:
    """Rebuild any registered transformer from ``(config, arrays)``, dispatching on ``config["type"]``."""
    check_choice("transformer", config.get("type"), sorted(TRANSFORMERS))
    return TRANSFORMERS[config["type"]].from_state(config, arrays)
