"""The trainer's callback through which a page steers its session (see :mod:`.session`)."""

from __future__ import annotations

import queue
import time
from typing import Any

from ..training.callbacks import Callback

__all__ = ["Gate", "PUBLISH_EVERY"]

PUBLISH_EVERY = 1 / 40   # seconds between snapshots while playing (at most 40 a second)


class Gate(Callback):
    """Rests, throttles and publishes between the trainer's updates (rules in :mod:`.session`)."""

    def __init__(self, session: Any):
        self.s = session

    def on_train_begin(self, event) -> None:
        s = self.s
        if s.path_n == 0:
            s.record()
        s.drain()
        if s.mode == "paused":
            s.rest()
        s.next_at = time.perf_counter()

    def on_iteration_end(self, event) -> None:
        s, run = self.s, self.s.trainer.run_
        s.record()
        s.drain()
        if s.mode == "play":
            self.throttle()
        else:                             # steps: the budget's share of a core, too
            s.pay()
        if s.mode == "iteration" and run.iteration >= s.target:
            s.mode = "paused"
        if s.mode == "paused" and run.pos < run.n_batches:   # an epoch's last update rests after
            s.rest()                                          # the epoch's bookkeeping instead

    def on_epoch_end(self, event) -> None:
        s, run = self.s, self.s.trainer.run_
        if s.target_reached():            # the stop condition: fit returns, the session rests
            event.stop("target")
            return
        s.drain()
        if (s.mode == "iteration" and run.iteration >= s.target) or (
                s.mode == "epoch" and run.epoch >= s.target):
            s.mode = "paused"
        if s.mode == "paused":
            s.rest()

    def throttle(self) -> None:
        """Hold play to ``speed`` updates per second and the session's budget; publish now and then."""
        s, now = self.s, time.perf_counter()
        s.next_at = max(s.next_at + 1.0 / s.speed, now - 0.1)
        if now - s.last_publish >= max(PUBLISH_EVERY, 3 * s.publish_cost):   # snapshots <= 1/3 of a core
            s.publish()
        wait = max(s.next_at - time.perf_counter(), s.budget.debt())
        end = time.perf_counter() + wait
        while s.mode == "play" and wait > 0:
            try:
                cmd = s.next_command(timeout=wait)
            except queue.Empty:
                break
            s.handle(cmd)
            wait = end - time.perf_counter()
