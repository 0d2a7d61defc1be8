"""Small real datasets bundled with scikit-learn (offline; scikit-learn imported lazily).

- Wisconsin Diagnostic Breast Cancer (Street, Wolberg & Mangasarian 1993):
  569 x 30, malignant / benign.
- Optical recognition of handwritten digits (Alpaydin & Kaynak 1998), the 8x8
  version: 1797 x 64 pixel counts 0..16, ten classes.
"""

from __future__ import annotations

import numpy as np

from .._errors import ConfigError
from ._base import Dataset

__all__ = ["load_breast_cancer", "load_digits"]


def _sklearn_datasets():
    try:
        import sklearn.datasets
    except ImportError:
        raise ConfigError("this dataset comes from scikit-learn, which is not installed; "
                          "install it with: pip install 'backprop-mlp[sklearn]'") from None
    return sklearn.datasets


def load_breast_cancer() -> Dataset:
    """Wisconsin Diagnostic Breast Cancer: 569 x 30 features, ``y`` 0 = malignant, 1 = benign."""
    raw = _sklearn_datasets().load_breast_cancer()
    return Dataset(np.asarray(raw.data, dtype=np.float64), np.asarray(raw.target, dtype=np.int64),
                   [str(n) for n in raw.feature_names], [str(n) for n in raw.target_names],
                   "Wisconsin Diagnostic Breast Cancer (UCI), scikit-learn's bundled copy.",
                   name="breast-cancer")


def load_digits() -> Dataset:
    """8x8 handwritten digits: 1797 x 64 pixel values 0..16 (row-major), ``y`` = the digit."""
    raw = _sklearn_datasets().load_digits()
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Dataset(np.asarray(raw.data, dtype=np.float64), np.asarray(raw.target, dtype=np.int64),
                   names, [str(d) for d in range(10)],
                   "Optical recognition of handwritten digits (UCI, 8x8), scikit-learn's bundled copy; "
                   "pixel values 0..16.", name="digits")
