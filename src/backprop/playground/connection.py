"""One WebSocket connection of the playground server: its session, outbox and rate limit.

Snapshots from the session's thread are handed to the event loop with
``call_soon_threadsafe``; only the newest unsent ``state`` is kept, so a slow
page drops frames instead of queueing them.  A token bucket bounds the
messages a page may send.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any, Callable

from aiohttp import web

from .._errors import BackpropError
from . import config as cfgmod
from .access import Access
from .limits import Limits
from .session import Session, to_json

__all__ = ["Manager", "Connection"]


class Manager:
    """All connections and session threads of one server."""

    def __init__(self, limits: Limits, access: Access):
        self.limits, self.access = limits, access
        self.connections: set[Connection] = set()
        self.sessions: set[Session] = set()
        self.tasks: set[asyncio.Task] = set()     # retiring sessions (a reference keeps each alive)

    def status(self) -> dict[str, Any]:
        return {"sessions": len(self.connections),
                "threads": sum(1 for s in self.sessions if not s.done.is_set()),
                "max_sessions": self.limits.max_sessions}


class Connection:
    """One WebSocket: its session, its outbox (snapshots coalesced), its rate limit."""

    def __init__(self, ws: web.WebSocketResponse, mgr: Manager):
        self.ws, self.mgr, self.limits = ws, mgr, mgr.limits
        self.loop = asyncio.get_running_loop()
        self.session: Session | None = None
        self.outbox: deque[tuple[str, str]] = deque()
        self.wake = asyncio.Event()
        self.tokens, self.t_tokens = float(self.limits.rate_burst), time.monotonic()
        self.refused, self.last_refusal = 0, 0.0
        self.closed = False

    # --- from a session's thread --------------------------------------------------
    def emit_from(self, session: Session) -> Callable[[str, str], None]:
        def emit(kind: str, text: str) -> None:
            if not self.closed and session is self.session:
                try:
                    self.loop.call_soon_threadsafe(self._push_from, session, kind, text)
                except RuntimeError:   # the loop has closed
                    pass
        return emit

    def _push_from(self, session: Session, kind: str, text: str) -> None:
        """On the loop: a message of ``session``, unless another session has replaced it meanwhile
        (so nothing of an old session follows the new one's ``data``)."""
        if session is self.session:
            self._push(kind, text)

    def _push(self, kind: str, text: str) -> None:
        if kind == "state":   # only the newest snapshot is worth sending
            self.outbox = deque(m for m in self.outbox if m[0] != "state")
        self.outbox.append((kind, text))
        self.wake.set()

    async def sender(self) -> None:
        while not self.closed:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox and not self.ws.closed:
                await self.ws.send_str(self.outbox.popleft()[1])

    def reply(self, msg: dict[str, Any]) -> None:
        self._push(msg["type"], to_json(msg))

    # --- from the page ------------------------------------------------------------
    def allow(self) -> bool:
        """Token bucket: ``rate_per_second`` sustained, ``rate_burst`` at once."""
        now = time.monotonic()
        self.tokens = min(self.limits.rate_burst,
                          self.tokens + (now - self.t_tokens) * self.limits.rate_per_second)
        self.t_tokens = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.refused += 1
        return False

    async def receive(self, text: str) -> None:
        if not self.allow():
            if time.monotonic() - self.last_refusal > 1.0:
                self.last_refusal = time.monotonic()
                self.reply({"type": "error", "message": f"too many requests: at most "
                            f"{self.limits.rate_per_second:g} messages a second (bursts of "
                            f"{self.limits.rate_burst}); the extra ones were ignored"})
            if self.refused > 20 * self.limits.rate_burst:
                await self.ws.close(code=1008, message=b"too many requests")
            return
        msg_id = None
        try:
            msg = json.loads(text)
            if not isinstance(msg, dict):
                raise BackpropError("a message must be a JSON object with a 'type'")
            msg_id = msg.get("id")
            if msg.get("type") == "config":
                await self.configure(msg.get("config"))
            elif self.session is None:
                raise BackpropError("send the settings first: {\"type\": \"config\", \"config\": {...}}")
            else:
                self.session.send(self.session.check(msg))
        except json.JSONDecodeError:
            self.reply({"type": "error", "message": "a message must be JSON"})
        except BackpropError as exc:
            self.reply({"type": "error", "message": str(exc), "id": msg_id})
        except Exception as exc:  # noqa: BLE001 -- a message must never take the connection down
            self.reply({"type": "error", "message": f"could not do that: {type(exc).__name__}: {exc}",
                        "id": msg_id})

    async def configure(self, config: Any) -> None:
        """Validate settings and replace the session with a fresh one (a reset)."""
        cfg = cfgmod.validate(config, self.limits)
        new = await self.loop.run_in_executor(None, lambda: Session(cfg, lambda k, t: None,
                                                                    self.limits))
        if self.closed:
            return
        old, self.session = self.session, new
        new.emit = self.emit_from(new)
        self.mgr.sessions.add(new)
        if old is not None:
            self.retire(old)
        self.reply({**new.dataset(), "config": cfg})
        new.start()

    def retire(self, session: Session) -> None:
        session.stop()                 # its queued work is dropped now; the thread ends soon
        async def wait():
            await self.loop.run_in_executor(None, session.close, 10.0)
            self.mgr.sessions.discard(session)
        task = self.loop.create_task(wait())
        self.mgr.tasks.add(task)
        task.add_done_callback(self.mgr.tasks.discard)

    def shutdown(self) -> None:
        self.closed = True
        self.wake.set()
        if self.session is not None:
            self.retire(self.session)
