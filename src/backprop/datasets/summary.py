"""Per-attribute summaries: what ``backprop describe`` prints.

For each column: count (non-missing), mean, sample standard deviation
``s = sqrt(sum (x - mean)^2 / (n - 1))``, min, max, missing (NaN) count and
zero count.  NaN entries are missing and left out of the statistics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._base import Dataset
from .pima import PIMA_ATTRIBUTES, PIMA_FEATURES, PIMA_MISSING_AS_ZERO

__all__ = ["summarize", "pima_attribute_table"]


def _stats(v: np.ndarray) -> dict:
    ok = v[~np.isnan(v)]
    n = int(ok.size)
    return {"count": n,
            "mean": float(ok.mean()) if n else float("nan"),
            "std": float(ok.std(ddof=1)) if n > 1 else float("nan"),
            "min": float(ok.min()) if n else float("nan"),
            "max": float(ok.max()) if n else float("nan"),
            "missing": int(v.size - n),
            "zeros": int((ok == 0).sum())}


def summarize(X: np.ndarray, names: Sequence[str]) -> list[dict]:
    """One dict per column of ``X``: name, count, mean, std (n - 1), min, max, missing, zeros."""
    X = np.asarray(X, dtype=np.float64)
    return [{"name": str(name), **_stats(X[:, j])} for j, name in enumerate(names)]


def pima_attribute_table(data: Dataset) -> list[dict]:
    """The lecture's Pima attribute table, plus what the zeros hide.

    ``mean`` and ``std`` are over all rows with zeros included (sample SD), as the
    dataset's original documentation computes them; ``zeros`` counts zeros; for the
    columns of :data:`PIMA_MISSING_AS_ZERO`, ``mean_nonzero``, ``std_nonzero`` and
    ``count_nonzero`` treat zeros as missing (else None).
    """
    rows = []
    for j, name in enumerate(PIMA_FEATURES):
        v = data.X[:, j].astype(np.float64)
        all_rows = _stats(v)
        row = {"name": name, "title": PIMA_ATTRIBUTES[j], "mean": all_rows["mean"],
               "std": all_rows["std"], "zeros": all_rows["zeros"],
               "mean_nonzero": None, "std_nonzero": None, "count_nonzero": None}
        if name in PIMA_MISSING_AS_ZERO:
            nz = _stats(np.where(v == 0, np.nan, v))
            row.update(mean_nonzero=nz["mean"], std_nonzero=nz["std"], count_nonzero=nz["count"])
        rows.append(row)
    return rows
