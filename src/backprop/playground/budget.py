"""A session's compute budget: its thread may keep at most a share of one core busy.

The session's thread is always either working or resting (waiting for a
command, or sleeping off a debt).  :class:`Budget` is a token bucket of CPU
seconds: every second of the clock earns ``share`` seconds of credit, every
second of work spends one, and the credit is capped at ``burst``.  Before
more work the thread rests for :meth:`Budget.debt` seconds, so over any
stretch of time it works at most ``share`` of it plus ``burst``.  Everything the
thread does -- training updates, snapshots, error surfaces -- is charged alike,
so no kind of request is free.

Work is measured by ``work_clock``: the playground's sessions pass
``time.thread_time``, the CPU time of the session's own thread, so a session
is charged for the core it used, not for the time it waited for one on a busy
machine.  By default it is ``clock`` (wall time), which the tests fake.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Budget", "BURST"]

BURST = 0.05     # seconds of work allowed at once before the share applies


class Budget:
    """Work at most ``share`` (0 < share <= 1) of the time, plus ``burst`` seconds at once."""

    def __init__(self, share: float, burst: float = BURST,
                 clock: Callable[[], float] = time.perf_counter,
                 work_clock: Callable[[], float] | None = None):
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share!r}")
        self.share, self.burst, self.clock = share, burst, clock
        self.work_clock = work_clock or clock
        self.credit = burst
        self.spent = 0.0              # seconds of work charged so far
        self.mark, self.work_mark = clock(), self.work_clock()

    def _account(self, working: bool) -> None:
        now, work_now = self.clock(), self.work_clock()
        dt, self.mark = now - self.mark, now
        worked = work_now - self.work_mark if working else 0.0
        self.work_mark = work_now
        self.credit = min(self.burst, self.credit + self.share * dt - worked)
        self.spent += worked

    def worked(self) -> None:
        """The time since the last call was work."""
        self._account(True)

    def rested(self) -> None:
        """The time since the last call was rest (the first call on a new thread must be this one)."""
        self._account(False)

    def debt(self) -> float:
        """Seconds to rest (counting the work up to now) before the next piece of work."""
        self.worked()
        return max(0.0, -self.credit) / self.share
