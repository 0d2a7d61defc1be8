"""Datasets: tiny classics, real data read from the user's own files, generated problems.

Every loader returns a :class:`Dataset` (``X``, ``y``, ``feature_names``,
``target_names``, ``description``, ``synthetic``).  Only NumPy is imported
here; scikit-learn is imported inside :func:`load_breast_cancer` and
:func:`load_digits`.  Nothing is ever downloaded.
"""

from __future__ import annotations

from typing import Callable

from .._errors import check_choice
from ._base import Dataset
from .bundled import load_breast_cancer, load_digits
from .mnist import load_mnist, load_mnist_idx, read_idx
from .pima import (PIMA_ATTRIBUTES, PIMA_ENV, PIMA_FEATURES, PIMA_FILENAMES, PIMA_MISSING_AS_ZERO,
                   PIMA_SHA256, find_pima_file, load_pima)
from .pima_synthetic import make_synthetic_pima
from .synthetic import make_blobs, make_circles, make_curve, make_gaussian_clusters, make_spirals
from .xor import load_xor

__all__ = ["Dataset", "load", "DATASETS", "load_xor", "load_pima", "find_pima_file",
           "make_synthetic_pima", "load_breast_cancer", "load_digits", "load_mnist", "load_mnist_idx",
           "read_idx", "make_circles", "make_spirals", "make_gaussian_clusters", "make_blobs",
           "make_curve", "PIMA_FEATURES", "PIMA_ATTRIBUTES", "PIMA_MISSING_AS_ZERO", "PIMA_SHA256",
           "PIMA_FILENAMES", "PIMA_ENV"]

#: Datasets loadable by name without a file (``pima-synthetic`` is the SYNTHETIC stand-in).
DATASETS: dict[str, Callable[..., Dataset]] = {
    "xor": load_xor,
    "pima-synthetic": make_synthetic_pima,
    "breast-cancer": load_breast_cancer,
    "digits": load_digits,
    "circles": make_circles,
    "spirals": make_spirals,
    "blobs": make_gaussian_clusters,
    "curve": make_curve,
}


def load(name: str, **kwargs) -> Dataset:
    """The dataset called ``name`` (a key of :data:`DATASETS`); keyword arguments go to its loader."""
    check_choice("dataset", name, DATASETS)
    return DATASETS[name](**kwargs)
