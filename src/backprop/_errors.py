"""The library's own exceptions and the small checks that raise them.

Every error a user can provoke is a :class:`BackpropError` with a one-line
message naming the problem and, where there is a choice, the valid options.
They also subclass the built-in type a Python user would expect
(``ValueError``), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np


class BackpropError(Exception):
    """Base class of every error raised on purpose by backprop."""


class ConfigError(BackpropError, ValueError):
    """An unknown name or an out-of-range setting."""


class DataError(BackpropError, ValueError):
    """Input data with the wrong shape, type or values (NaN, inf)."""


class UsageError(ConfigError):
    """Command-line options that do not fit together (the command exits with 2, not 1)."""


def check_choice(what: str, value: object, choices: Iterable[str]) -> None:
    """Raise ConfigError unless ``value`` is one of ``choices``."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"unknown {what} {value!r}; valid choices: {', '.join(choices)}")


def check_range(name: str, value: float, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> float:
    """Raise ConfigError unless ``low <=/< value <=/< high``; returns ``value`` as given."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    ok = not np.isnan(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        raise ConfigError(f"{name}={value!r} is out of range; valid range: "
                          f"{interval(low, high, low_open, high_open)}")
    return value


def interval(low: float | None = None, high: float | None = None, low_open: bool = False,
             high_open: bool = False) -> str:
    """``'(0, 1000]'``: a range as mathematics writes it (None: unbounded; ints exactly)."""
    def show(x: float) -> str:
        return str(x) if isinstance(x, int) else f"{x:g}"
    lo = "(-inf" if low is None else ("(" if low_open else "[") + show(low)
    hi = "inf)" if high is None else show(high) + (")" if high_open else "]")
    return f"{lo}, {hi}"


def check_finite(name: str, a: np.ndarray) -> None:
    """Raise DataError if ``a`` holds NaN or infinity, saying where."""
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        kind = "NaN" if np.isnan(a[tuple(bad)]) else "infinity"
        where = f"row {bad[0]}" + (f", column {bad[1]}" if len(bad) > 1 else "")
        raise DataError(f"{name} contains {kind} ({where}); remove or impute missing values first")
