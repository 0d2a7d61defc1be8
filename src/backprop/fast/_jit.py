"""Numba, when installed: ``njit`` compiles with an on-disk cache, else leaves the function alone.

Without numba the kernels stay plain (very slow) Python; :func:`backprop.fast.available`
is then False and the trainer keeps to the NumPy path.  No ``fastmath``: the
kernels must reproduce the NumPy reference to rounding.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Callable

try:  # numba is the optional ``fast`` extra; imported only when a kernel module is
    HAVE_NUMBA = importlib.util.find_spec("numba") is not None
except ValueError:  # pragma: no cover - a stub module without a spec
    HAVE_NUMBA = False
try:  # numba's np.dot needs scipy's BLAS; without it the kernels multiply in loops
    HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
except ValueError:  # pragma: no cover
    HAVE_SCIPY = False


def njit(fn: Callable | None = None, *, cache: bool = False) -> Callable:
    """``numba.njit(nogil=True)`` or the function itself.

    Only the entry points of ``epoch.py`` are cached (``cache=True``): each carries the
    kernels it calls compiled in, and :func:`invalidate_stale_cache` watches their files.
    """
    if fn is None:
        return lambda f: njit(f, cache=cache)
    if not HAVE_NUMBA:  # pragma: no cover
        return fn
    import numba
    return numba.njit(cache=cache, nogil=True)(fn)


def invalidate_stale_cache(dispatcher: Callable, *files: str) -> None:
    """Make numba recompile ``dispatcher`` when a kernel file it inlines has changed.

    numba's cache checks only the source of the cached function's own file;
    the epoch loops inline ``layers.py`` and ``block.py`` too (the optimizers'
    kernels are told apart by a hash of their source, see ``epoch.kind``).  A hash
    of all the files is kept beside the cache; when it differs the cache
    index is emptied.  Best effort (it touches numba internals, so any
    failure just leaves numba's own check in charge).
    """
    here = Path(__file__).parent
    digest = hashlib.sha256(b"".join((here / f).read_bytes() for f in files)
                            + bytes([HAVE_SCIPY])).hexdigest()   # the kernels differ without scipy
    try:
        cache = dispatcher._cache
        stamp = Path(cache._cache_path) / f"{dispatcher.__name__}.kernels.sha256"
        if stamp.exists() and stamp.read_text() == digest:
            return
        cache.flush()
        stamp.write_text(digest)
    except Exception:  # pragma: no cover - no numba, no cache, other numba versions
        pass
