"""The library's own exceptions and the small checks that raise them.

Every error a user can provoke is a :class:`BackpropError` with a one-line
message naming the problem and, where there is a choice, the valid options.
They also subclass the built-in type a Python user would expect
(``ValueError``), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import argparse
import math
from typing import Any, Callable, Iterable

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


def parse_list(text: str, kind: type = float, what: str = "value") -> list:
    """Parse ``"1,0.5,2"`` into a non-empty list; anything else is an argparse type error."""
    try:
        values = [kind(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        values = []
    if not values:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {what}s, got {text!r}")
    return values


def number(kind: type = float, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> Callable[[str], Any]:
    """argparse type: a finite ``kind`` (int or float) in ``[low, high]`` (ends open as asked).

    NaN, infinity and values out of range are usage errors (exit 2) that name the flag:
    ``argument --learning-rate: must be a finite number in (0, 1000], got 'inf'``.
    """
    what = "an integer" if kind is int else "a finite number"
    span = interval(low, high, low_open, high_open)

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        ok = value is not None and (kind is int or math.isfinite(value))
        if ok and low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"must be {what} in {span}, got {text!r}")
        return value
    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def numbers(kind: type = float, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False) -> Callable[[str], list]:
    """argparse type: a comma-separated, non-empty list, each item as :func:`number` checks it."""
    one = number(kind, low, high, low_open, high_open)

    def parse(text: str) -> list:
        values = parse_list(text, kind, "integer" if kind is int else "number")
        try:
            return [one(str(v)) for v in values]
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"each value must be {'an integer' if kind is int else 'a finite number'} in "
                f"{interval(low, high, low_open, high_open)}, got {text!r}") from None
    return parse


# A seed is what every generator here takes: numpy's Generator and scikit-learn's RandomState.
seed = number(int, 0, 2**32 - 1)

MAX_JOBS = 256


def jobs(text: str) -> int:
    """argparse type of --jobs: -1 (all cores) or 1 to MAX_JOBS worker processes."""
    try:
        value = number(int, -1, MAX_JOBS)(text)
    except argparse.ArgumentTypeError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be -1 (all cores) or an integer in [1, {MAX_JOBS}], "
                                         f"got {text!r}")
    return value


def file_path(text: str) -> str:
    """argparse type of a file: any non-empty path (an output is then checked by :func:`check_out`)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, got ''")
    return text
