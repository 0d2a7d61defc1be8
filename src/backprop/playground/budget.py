"""A session's compute budget: its thread may keep at most a share of one core busy.

The session's thread is always either working or resting (waiting for a
command, or sleeping off a debt).  :class:`Budget` is a token bucket of CPU
seconds: resting and working both earn ``share`` seconds of credit per second,
working spends one per second, and the credit is capped at ``burst``.  Before
more work the thread rests for :meth:`Budget.debt` seconds, so over any
stretch of time it works at most ``share`` of it plus ``burst``.  Everything the
thread does -- training updates, snapshots, error surfaces -- is charged alike,
so no kind of request is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Budget", "BURST"]

BURST = 0.05     # seconds of work allowed at once before the share applies


class Budget:
    """Work at most ``share`` (0 < share <= 1) of the time, plus ``burst`` seconds at once."""

    def __init__(self, share: float, burst: float = BURST,
                 clock: Callable[[], float] = time.perf_counter):
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share!r}")
        self.share, self.burst, self.clock = share, burst, clock
        self.credit = burst
        self.spent = 0.0              # seconds of work charged so far
        self.mark = clock()

    def _account(self, working: bool) -> None:
        now = self.clock()
        dt, self.mark = now - self.mark, now
        self.credit = min(self.burst, self.credit + self.share * dt - (dt if working else 0.0))
        if working:
            self.spent += dt

    def worked(self) -> None:
        """The time since the last call was work."""
        self._account(True)

    def rested(self) -> None:
        """The time since the last call was rest."""
        self._account(False)

    def debt(self) -> float:
        """Seconds to rest (counting the work up to now) before the next piece of work."""
        self.worked()
        return max(0.0, -self.credit) / self.share
