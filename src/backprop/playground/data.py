"""The playground's data: generated problems or an uploaded CSV, split into training and test sets.

Generated sets come from :mod:`backprop.datasets` (``noise`` is the SD of Gaussian
noise in the data's own units):

=========  ==================================================================
xor        the four corners of the unit square, t = x1 XOR x2, cycled to n
           points (n = 4, noise 0 is the lecture's truth table)
circles    two concentric circles, radii 1 and 0.5 (class 1 inside)
spirals    Lang & Witbrock's two spirals, three turns each
clusters   ``classes`` Gaussian clusters (noise = each cluster's SD)
curve      1-D regression, t = sin(2 pi x) + noise, x in [0, 1]
csv        the uploaded text: columns x1, x2, label (or x, label); a label with
           at most ``max_classes`` integer values is a class, otherwise a target
=========  ==================================================================

Targets are always a float matrix ``T`` of shape ``(n, n_outputs)``: one 0/1
column for two classes, one-hot columns for more, the value for regression.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from .._errors import DataError
from .limits import Limits

__all__ = ["PlayData", "make_data", "parse_csv"]


@dataclass
class PlayData:
    """One session's data: raw points, the network's view of them, and the split."""

    X_raw: np.ndarray          # (n, d) as generated / uploaded (what the plots show)
    labels: np.ndarray | None  # (n,) class index, None for regression
    y: np.ndarray              # (n,) class index or target value (for the page)
    T: np.ndarray              # (n, n_outputs) targets the network learns
    task: str                  # "binary", "multiclass" or "regression"
    train: np.ndarray          # indices of the training set
    test: np.ndarray           # indices of the test set (may be empty)
    mean: np.ndarray           # input standardisation (0 and 1 when off)
    scale: np.ndarray

    @property
    def n_inputs(self) -> int:
        return self.X_raw.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.T.shape[1]

    def inputs(self, X_raw: np.ndarray) -> np.ndarray:
        """What the network sees for raw points (standardised with training statistics if asked)."""
        return (X_raw - self.mean) / self.scale

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
        """Plot window per input dimension: the data's range padded by 15 %."""
        lo, hi = self.X_raw.min(axis=0), self.X_raw.max(axis=0)
        pad = np.maximum(0.15 * (hi - lo), 0.25)
        return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]


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


def parse_csv(text: str, limits: Limits) -> tuple[np.ndarray, np.ndarray]:
    """Columns ``x1, x2, label`` (or ``x, label``) from CSV text; a header row is skipped."""
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if rows and not _numeric(rows[0]):
        rows = rows[1:]
    if not limits.min_samples <= len(rows) <= limits.max_samples:
        raise DataError(f"the CSV has {len(rows)} data rows; the playground takes "
                        f"{limits.min_samples} to {limits.max_samples}")
    widths = {len(r) for r in rows}
    if len(widths) != 1 or widths.pop() not in (2, 3):
        raise DataError("the CSV must have the same 2 or 3 columns in every row: x1, x2, label "
                        "(or x, label)")
    for i, r in enumerate(rows):
        if not _numeric(r):
            raise DataError(f"CSV row {i + 1} has a value that is not a number: {','.join(r)[:80]!r}")
    A = np.array([[float(c) for c in r] for r in rows])
    if not np.all(np.isfinite(A)):
        raise DataError("the CSV holds a missing, infinite or NaN value")
    return A[:, :-1], A[:, -1]


def _numeric(row: list[str]) -> bool:
    try:
        [float(c) for c in row]
        return True
    except ValueError:
        return False


def make_data(cfg: dict, limits: Limits) -> PlayData:
    """Build a session's data from the validated ``cfg["data"]`` part."""
    name, n, seed = cfg["name"], cfg["n_samples"], cfg["seed"]
    if name == "csv":
        X, y = parse_csv(cfg["csv"], limits)
        values = np.unique(y)
        if np.all(values == np.round(values)) and len(values) <= limits.max_classes:
            if len(values) < 2:
                raise DataError("the CSV's label column has one value only; it needs two classes "
                                "or more (or real-valued targets)")
            y = np.searchsorted(values, y).astype(np.int64)
        task = "regression" if y.dtype.kind == "f" else ("binary" if y.max() == 1 else "multiclass")
    else:
        X, y = _generate(name, n, cfg["noise"], cfg["classes"], seed)
        task = "regression" if name == "curve" else ("binary" if int(y.max()) == 1 else "multiclass")
    n = len(X)
    if task == "regression":
        labels, T = None, y.astype(np.float64)[:, None]
    else:
        labels = y.astype(np.int64)
        k = int(labels.max()) + 1
        T = labels.astype(np.float64)[:, None] if k == 2 else np.eye(k)[labels]
    perm = np.random.default_rng(seed + 1).permutation(n)
    n_test = min(int(round(cfg["test_fraction"] * n)), n - 2)
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    if cfg["standardize"]:
        from ..preprocessing import StandardScaler
        sc = StandardScaler().fit(X[train])
        mean, scale = np.asarray(sc.mean_, dtype=np.float64), np.asarray(sc.scale_, dtype=np.float64)
    return PlayData(X, labels, y, T, task, train, test, mean, scale)
