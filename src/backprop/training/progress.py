"""A one-line progress bar on stderr: epoch, loss, validation loss, ETA.

``progress="auto"`` shows it only when the stream is a terminal and the run
has lasted more than ``delay`` seconds (short runs stay silent);
``progress=True`` forces it on any stream; ``False`` silences it.  No
third-party dependency; redraws at most every ``min_interval`` seconds.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .._errors import ConfigError

__all__ = ["ProgressBar"]


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """Draws ``epoch 12/100 [====      ] loss 0.0123 val 0.0150 ETA 00:07``."""

    def __init__(self, total_epochs: int, mode: bool | str = "auto", stream: TextIO | None = None,
                 width: int = 20, delay: float = 1.0, min_interval: float = 0.1):
        if mode not in (True, False, "auto"):
            raise ConfigError(f"progress must be True, False or 'auto', got {mode!r}")
        self.stream = sys.stderr if stream is None else stream
        self.total = max(int(total_epochs), 1)
        self.width, self.min_interval = width, min_interval
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            self.enabled = bool(isatty and isatty())
            self.delay = delay
        else:
            self.enabled, self.delay = bool(mode), 0.0
        self.start = time.perf_counter()
        self._last_draw = -float("inf")
        self._drawn = False
        self._first_epoch: int | None = None

    def update(self, epoch: int, loss: float | None, val_loss: float | None = None,
               force: bool = False) -> None:
        """Redraw after ``epoch`` (1-based, of ``total_epochs``)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if self._first_epoch is None:
            self._first_epoch = epoch - 1
        if not force and (now - self.start < self.delay or now - self._last_draw < self.min_interval):
            return
        self._last_draw = now
        done = min(epoch / self.total, 1.0)
        fill = int(done * self.width)
        bar = "=" * fill + " " * (self.width - fill)
        text = f"epoch {epoch}/{self.total} [{bar}]"
        if loss is not None:
            text += f" loss {loss:.4g}"
        if val_loss is not None:
            text += f" val {val_loss:.4g}"
        ran = epoch - self._first_epoch
        if 0 < ran and epoch < self.total:
            text += f" ETA {_clock((now - self.start) / ran * (self.total - epoch))}"
        else:
            text += f" {_clock(now - self.start)}"
        self.stream.write("\r" + text.ljust(78))
        self.stream.flush()
        self._drawn = True

    def close(self, epoch: int | None = None, loss: float | None = None,
              val_loss: float | None = None) -> None:
        """Draw the final state (if the bar was ever shown) and end the line."""
        if self.enabled and self._drawn:
            if epoch is not None:
                self.update(epoch, loss, val_loss, force=True)
            self.stream.write("\n")
            self.stream.flush()
