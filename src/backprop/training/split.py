"""The validation split, drawn from the trainer's generator before any epoch.

``validation_split(n, fraction, rng, labels)`` makes exactly ONE draw,
``rng.permutation(n)``, so a run that must reproduce the trainer (for
example K networks trained at once) can replicate it:

* n_val = ceil(fraction * n) (at least 1, at most n - 1).
* Without labels: the first n_val entries of the permutation are the
  validation indices, the rest the training indices.
* With labels (stratified): classes in sorted order; class c with n_c
  members gets floor(fraction * n_c) validation samples, and the
  n_val - sum of those leftover places go one each to the classes with the
  largest fractional parts fraction * n_c - floor(...) (ties: sorted class
  order), never taking a class's last training sample (so when every class
  has one sample there is no stratified validation set: a DataError).  Each class takes
  its validation samples in permutation order (the members of c as they
  appear in the permutation, first come first).
* Both index arrays are returned sorted, so the training set keeps the
  data's order (``shuffle=False`` then visits samples in data order).
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import ConfigError, DataError

__all__ = ["validation_split", "class_labels"]


def validation_split(n: int, fraction: float, rng: np.random.Generator,
                     labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, val_idx)``, sorted; one ``rng.permutation(n)`` draw."""
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"validation_fraction={fraction!r} is out of range; valid range: (0, 1)")
    n_val = min(max(1, math.ceil(fraction * n)), n - 1)
    if n_val < 1:
        raise DataError(f"cannot hold out a validation set from {n} sample(s); need at least 2")
    perm = rng.permutation(n)
    if labels is None:
        val = perm[:n_val]
    else:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise DataError(f"stratify labels must have shape ({n},), got {labels.shape}")
        classes, counts = np.unique(labels, return_counts=True)
        exact = fraction * counts
        take = np.floor(exact).astype(int)
        room = counts - 1 - take
        for c in np.argsort(-(exact - take), kind="stable"):
            if take.sum() >= n_val:
                break
            if room[c] > 0:
                take[c] += 1
                room[c] -= 1
        if take.sum() == 0:
            raise DataError(f"cannot hold out a stratified validation set: each of the {len(classes)} "
                            f"classes has a single sample among the {n}; give more samples or "
                            "turn off early stopping")
        in_perm = labels[perm]
        val = np.concatenate([perm[in_perm == c][:k] for c, k in zip(classes, take)])
    mask = np.zeros(n, bool)
    mask[val] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def class_labels(T: np.ndarray, loss_name: str) -> np.ndarray | None:
    """Class labels of targets for stratification, or None for regression.

    Classification means a cross-entropy loss or integer class indices:
    1-D integers are the labels, several columns give argmax, one column
    is thresholded at 0.5.
    """
    T = np.asarray(T)
    if T.ndim == 1 and T.dtype.kind in "iub":
        return T
    if loss_name not in ("binary_cross_entropy", "cross_entropy"):
        return None
    T2 = T.reshape(len(T), -1)
    return T2.argmax(axis=1) if T2.shape[1] > 1 else (T2[:, 0] > 0.5).astype(int)
