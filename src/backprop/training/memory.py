"""How much memory a training run needs at least, and how much the machine has: checked before
anything is allocated, so that ``--hidden 200000000`` is refused in a second instead of
swapping or being killed.

The lower bound (float64, 8 bytes a number) counts what every run holds:

    parameters P = sum over layers of (n_in + 1) n_out
    6 P      the parameters, their gradient, a scratch vector, the best weights, the decay
             mask and one optimizer state vector (Adam holds two, L-BFGS twenty)
    R U      a forward pass over the R rows scored after every epoch: the outputs of all U
             units (hidden and output), kept in the network's workspace
"""

from __future__ import annotations

import os
from typing import Sequence

__all__ = ["available_bytes", "describe_bytes", "parameter_count", "training_bytes"]


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """P: every weight and bias of the network ``n_0 - n_1 - ... - n_L``."""
    return sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def training_bytes(layer_sizes: Sequence[int], rows: int, itemsize: int = 8) -> int:
    """At least this many bytes to train the network ``layer_sizes`` on ``rows`` rows."""
    return itemsize * (6 * parameter_count(layer_sizes) + rows * sum(layer_sizes[1:]))


def available_bytes() -> int | None:
    """Memory a new allocation can take now: the smaller of the system's available memory and
    what the process's cgroup (container) limit leaves; None where neither is known."""
    found = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit) as f:
                cap = f.read().strip()
            with open(usage) as f:
                used = int(f.read().strip())
            if cap != "max" and int(cap) < 1 << 60:
                found.append(max(0, int(cap) - used))
                break
        except (OSError, ValueError):
            continue
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError):
            pass
    return min(found) if found else None


def describe_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} bytes" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover
