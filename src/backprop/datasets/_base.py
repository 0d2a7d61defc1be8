"""The small container every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Dataset"]


@dataclass
class Dataset:
    """Inputs, targets and what they mean.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        Inputs, float64 unless a loader says otherwise.
    y : ndarray of shape (n_samples,)
        Targets: integer class indices into ``target_names`` for classification,
        floats for regression.
    feature_names : list of str
        One name per column of ``X``.
    target_names : list of str
        Class names (``target_names[y[i]]``); empty for regression.
    description : str
        Where the data comes from; starts with ``SYNTHETIC`` when ``synthetic`` is true.
    synthetic : bool
        True when the rows were generated, not measured.
    name : str
        Short name, e.g. ``"xor"``.
    task : str
        ``"classification"`` or ``"regression"``.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_names: list[str] = field(default_factory=list)
    description: str = ""
    synthetic: bool = False
    name: str = ""
    task: str = "classification"

    @property
    def classes(self) -> list[str]:
        """Alias of ``target_names``."""
        return self.target_names

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    def __iter__(self):
        """``X, y = dataset`` unpacks the arrays."""
        return iter((self.X, self.y))

    def __repr__(self) -> str:
        kind = "SYNTHETIC " if self.synthetic else ""
        extra = f", {len(self.target_names)} classes" if self.target_names else ""
        return (f"Dataset({self.name!r}: {kind}{self.task}, {self.n_samples} samples x "
                f"{self.n_features} features{extra})")
