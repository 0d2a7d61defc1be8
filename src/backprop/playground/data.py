"""The playground's data: generated problems or an uploaded CSV, split, and what the network sees.

Generated sets come from :mod:`backprop.datasets` (``noise`` is the SD of Gaussian
noise in the data's own units):

=========  ==================================================================
xor        the four corners of the unit square, t = x1 XOR x2, cycled to n
           points (n = 4, noise 0 is the lecture's truth table)
circles    two concentric circles, radii 1 and 0.5 (class 1 inside)
spirals    Lang & Witbrock's two spirals, three turns each
clusters   ``classes`` Gaussian clusters (noise = each cluster's SD)
curve      1-D regression, t = sin(2 pi x) + noise, x in [0, 1]
csv        the uploaded text, read by :func:`backprop.read_csv` (delimiter and
           header detected, text columns one-hot encoded with ``one_hot``); the
           target is the last column unless ``target`` names another, and the task
           follows ``backprop train``'s rule unless ``task`` says
=========  ==================================================================

The network sees ``features(standardise(x))``: the raw columns, standardised with
training statistics when asked (:class:`~backprop.preprocessing.StandardScaler`),
then the chosen derived features (:class:`~backprop.preprocessing.DerivedFeatures`:
x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2), as in TensorFlow Playground).

Targets are always a float matrix ``T`` of shape ``(n, n_outputs)``: one 0/1
column for two classes (one-hot columns with a softmax output), one-hot columns
for more, the value for regression.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DataError
from ..preprocessing import DerivedFeatures, StandardScaler
from .limits import Limits

__all__ = ["PlayData", "make_data", "read_uploaded_csv", "derived_choices"]


def derived_choices(n_columns: int) -> list[str]:
    """The features offered for ``n_columns`` raw columns (TensorFlow Playground's for 1-D and 2-D)."""
    if n_columns == 1:
        return ["x1", "x1^2", "sin(x1)"]
    if n_columns == 2:
        return ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    return [f"x{j + 1}" for j in range(n_columns)]


@dataclass
class PlayData:
    """One session's data: raw points, the network's view of them, and the split."""

    X_raw: np.ndarray               # (n, d) as generated / uploaded (what the plots show)
    columns: list[str]              # names of the raw columns
    labels: np.ndarray | None       # (n,) class index, None for regression
    classes: list[Any] | None       # the label of each class index (CSV labels as read)
    y: np.ndarray                   # (n,) class index or target value (for the page)
    T: np.ndarray                   # (n, n_outputs) targets the network learns
    task: str                       # "binary", "multiclass" or "regression"
    train: np.ndarray               # indices of the training set
    test: np.ndarray                # indices of the test set (may be empty)
    scaler: StandardScaler | None   # input standardisation (fitted on the training points)
    features: DerivedFeatures | None  # derived features (None: the columns as they are)
    plane: tuple[int, ...]          # raw columns spanning the plot (one for 1-D data)
    notes: list[str] = field(default_factory=list)
    csv_spec: dict | None = None    # how an uploaded CSV was read (kept in model files)

    @property
    def n_columns(self) -> int:
        return self.X_raw.shape[1]

    @property
    def feature_names(self) -> list[str]:
        """The network's inputs, in the features' notation (x1, x1^2, ...)."""
        return list(self.features.features) if self.features else [f"x{j + 1}" for j in
                                                                   range(self.n_columns)]

    @property
    def n_inputs(self) -> int:
        return len(self.feature_names)

    @property
    def n_outputs(self) -> int:
        return self.T.shape[1]

    def inputs(self, X_raw: np.ndarray) -> np.ndarray:
        """What the network sees for raw points: standardised (if asked), then the features."""
        X = X_raw if self.scaler is None else self.scaler.transform(X_raw)
        return X if self.features is None else self.features.transform(X)

    def preprocessing(self) -> list:
        """The same steps as transformers, for a model file."""
        return [t for t in (self.scaler, self.features) if t is not None]

    @property
    def X_train(self) -> np.ndarray:
        return self.inputs(self.X_raw[self.train])

    @property
    def T_train(self) -> np.ndarray:
        return self.T[self.train]

    @property
    def X_test(self) -> np.ndarray:
        return self.inputs(self.X_raw[self.test])

    @property
    def T_test(self) -> np.ndarray:
        return self.T[self.test]

    def bounds(self) -> list[list[float]]:
        """Plot window of each plane column: the data's range padded by 15 %."""
        X = self.X_raw[:, list(self.plane)]
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.maximum(0.15 * (hi - lo), 0.25)
        return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]

    def plane_points(self, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        """Raw points with the plane columns at ``a`` (and ``b``), every other column at its
        training mean (the slice of input space the plots show)."""
        P = np.repeat(self.X_raw[self.train].mean(axis=0)[None, :], len(a), axis=0)
        P[:, self.plane[0]] = a
        if b is not None:
            P[:, self.plane[1]] = b
        return P


def _generate(name: str, n: int, noise: float, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of a generated set, from :mod:`backprop.datasets`."""
    from .. import datasets
    if name == "xor":                    # the truth table, cycled to n points, with noise
        table = datasets.load_xor()
        idx = np.arange(n) % len(table.X)
        X = table.X[idx] + noise * np.random.default_rng(seed).standard_normal((n, 2))
        return X, table.y[idx]
    if name == "circles":
        ds = datasets.make_circles(n, noise=noise, factor=0.5, random_state=seed)
    elif name == "spirals":
        ds = datasets.make_spirals(n, noise=noise, random_state=seed)
    elif name == "clusters":
        ds = datasets.make_gaussian_clusters(n, centers=classes, std=max(noise, 0.05), spread=4.0,
                                             random_state=seed)
    else:
        ds = datasets.make_curve(n, noise=noise, random_state=seed)
    return np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)


def read_uploaded_csv(text: str, shown: str, target: str | None, limits: Limits, one_hot: bool = False):
    """The uploaded text through :func:`backprop.read_csv`; errors name ``shown``, not a temp file.

    ``one_hot``: text columns become one 0/1 column per category (else they are an error).
    Returns the :class:`~backprop.csvio.CSVTable` and the reader's warnings (one line each).
    """
    from ..commands._tabular import check_missing
    from ..csvio import read_csv
    with tempfile.TemporaryDirectory(prefix="backprop-playground-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_text(text, encoding="utf-8")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table = read_csv(path, target=-1 if target is None else target, one_hot=one_hot)
            table.path = shown
            check_missing(table, False, advice="the playground needs every value; fill in or drop "
                                               "those rows")
        except DataError as exc:
            msg = str(exc).replace(str(path), shown).replace(
                "encode text columns with one_hot=True (--one-hot)", "tick 'encode text columns' to one-hot "
                "encode it")
            raise DataError(msg) from None
    notes = [" ".join(str(w.message).replace(str(path), shown).split()) for w in caught]
    n, d = table.X.shape
    if not limits.min_samples <= n <= limits.max_samples:
        raise DataError(f"{shown} has {n} data rows; the playground takes {limits.min_samples} to "
                        f"{limits.max_samples}")
    if not 1 <= d <= limits.max_inputs:
        raise DataError(f"{shown} has {d} input columns besides the target {table.target!r}; the "
                        f"playground takes 1 to {limits.max_inputs}")
    return table, notes


def _csv_labels(table, task: str, limits: Limits, shown: str) -> tuple[np.ndarray, list | None]:
    """(y, classes): class indices and their labels, or the targets as floats (classes None)."""
    from ..commands._tabular import choose_task, class_labels
    y = table.y
    task = choose_task(y) if task == "auto" else task
    if task == "regression":
        if y.dtype.kind in "USO":
            raise DataError(f"{shown}: the target column {table.target!r} holds text ({y[0]!r}); "
                            f"it can only be a classification target")
        return y.astype(np.float64), None
    labels = class_labels(y)
    classes, index = np.unique(labels, return_inverse=True)
    if not 2 <= len(classes) <= limits.max_classes:
        raise DataError(f"{shown}: the target column {table.target!r} has {len(classes)} class(es); "
                        f"the playground takes 2 to {limits.max_classes} (or choose task "
                        f"'regression')")
    return index.astype(np.int64), [c.item() if isinstance(c, np.generic) else c for c in classes]


def make_data(cfg: dict, limits: Limits, softmax: bool = False) -> PlayData:
    """Build a session's data from the validated ``cfg["data"]`` part.

    ``softmax``: the output is a softmax, so two classes get two one-hot columns too.
    """
    name, n, seed = cfg["name"], cfg["n_samples"], cfg["seed"]
    notes, spec, classes = [], None, None
    if name == "csv":
        shown = cfg["csv_name"] or "the uploaded CSV"
        table, notes = read_uploaded_csv(cfg["csv"], shown, cfg["target"], limits, cfg["one_hot"])
        X, columns = table.X, list(table.feature_names)
        y, classes = _csv_labels(table, cfg["task"], limits, shown)
        task = "regression" if classes is None else ("binary" if len(classes) == 2 else "multiclass")
        from ..commands._tabular import csv_spec
        spec = csv_spec(table)
    else:
        X, y = _generate(name, n, cfg["noise"], cfg["classes"], seed)
        columns = ["x"] if X.shape[1] == 1 else [f"x{j + 1}" for j in range(X.shape[1])]
        task = "regression" if name == "curve" else ("binary" if int(y.max()) == 1 else "multiclass")
        if task != "regression":
            classes = list(range(int(y.max()) + 1))
    n = len(X)
    if task == "regression":
        labels, T = None, y.astype(np.float64)[:, None]
    else:
        labels = y.astype(np.int64)
        k = len(classes)
        T = labels.astype(np.float64)[:, None] if k == 2 and not softmax else np.eye(k)[labels]
    perm = np.random.default_rng(seed + 1).permutation(n)
    n_test = min(int(round(cfg["test_fraction"] * n)), n - 2)
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    scaler = StandardScaler().fit(X[train]) if cfg["standardize"] else None
    features = None
    if cfg["features"] is not None and cfg["features"] != [f"x{j + 1}" for j in range(X.shape[1])]:
        features = DerivedFeatures(list(cfg["features"])).fit(X[train])
    plane = tuple(cfg["plane"][:min(2, X.shape[1])])
    if max(plane) >= X.shape[1]:
        raise DataError(f"data.plane: the data has {X.shape[1]} column(s); choose columns "
                        f"0 to {X.shape[1] - 1}")
    return PlayData(X, columns, labels, classes, y, T, task, train, test, scaler, features, plane,
                    notes, spec)
