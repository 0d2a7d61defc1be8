"""The four XOR patterns (the lecture's first problem a single perceptron cannot learn)."""

from __future__ import annotations

import numpy as np

from ._base import Dataset

__all__ = ["load_xor"]


def load_xor() -> Dataset:
    """XOR truth table: ``X`` = all four binary pairs, ``y = x1 XOR x2``.

    Returns
    -------
    Dataset
        4 samples x 2 features, classes ``["0", "1"]``.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(X, y, ["x1", "x2"], ["0", "1"],
                   "XOR: t = 1 when exactly one input is 1; not linearly separable.",
                   synthetic=False, name="xor")
