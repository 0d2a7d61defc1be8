"""Plain JSON for results that may hold NaN or infinity (JSON has neither: they become null)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN/inf floats as None, NumPy scalars and arrays as Python numbers and lists,
    tuples as lists, sets as sorted lists and dict keys as strings."""
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, set):
        return sorted(obj)
    return obj
