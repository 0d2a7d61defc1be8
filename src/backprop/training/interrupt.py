"""Ctrl-C during training: stop cleanly after the current update."""

from __future__ import annotations

import signal
import threading

__all__ = ["SigintFlag"]


class SigintFlag:
    """Turns the first Ctrl-C into a flag the loop checks after each update (main thread only);
    a second Ctrl-C raises KeyboardInterrupt as usual."""

    def __init__(self):
        self.set = False
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        self.set = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def restore(self):
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)
            self.old = None
