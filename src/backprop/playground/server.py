"""The playground's web server (aiohttp): the page, its static files, and one WebSocket per tab.

Routes::

    GET /                 the page (static/index.html)
    GET /static/NAME      a file of the package's static/ folder -- only the files listed at
                          start-up are served, by exact name: nothing outside the folder
    GET /api/options      choices, optimizer hyperparameters with ranges, limits, defaults
    GET /api/status       {"sessions", "threads", "max_sessions"}
    GET /ws               the WebSocket of one session (see docs/playground.md for messages)

Each WebSocket owns one :class:`~.session.Session`; when it closes, the
session's thread ends.  Messages are size- and rate-limited per connection,
the number of sessions is bounded, and a loopback server only answers requests
whose Host is a loopback name (no DNS rebinding) and WebSockets opened from
its own page (no cross-site sockets).
"""

from __future__ import annotations

import asyncio
import json
import threading
from importlib import resources
from typing import Callable

from aiohttp import WSMsgType, web

from . import config as cfgmod
from .limits import DEFAULT_LIMITS, Limits
from .connection import Connection, Manager
from .session import to_json

__all__ = ["make_app", "serve", "start_in_thread", "ServerHandle"]

TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript",
         ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
MANAGER = web.AppKey("manager", object)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def static_files() -> dict[str, tuple[bytes, str]]:
    """The page's files, read once from the installed package: name -> (bytes, content type)."""
    out = {}
    for entry in (resources.files("backprop.playground") / "static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
        if entry.is_file() and suffix in TYPES:
            out[entry.name] = (entry.read_bytes(), TYPES[suffix])
    return out


def _host_ok(request: web.Request, mgr: Manager) -> bool:
    if not mgr.loopback:
        return True
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return host in LOOPBACK


async def ws_handler(request: web.Request) -> web.StreamResponse:
    mgr: Manager = request.app[MANAGER]
    origin = request.headers.get("Origin")
    if origin is not None and origin.split("://", 1)[-1] != request.host:
        raise web.HTTPForbidden(text="WebSockets are only accepted from the playground's own page")
    ws = web.WebSocketResponse(max_msg_size=mgr.limits.max_message_bytes, heartbeat=30)
    await ws.prepare(request)
    if len(mgr.connections) >= mgr.limits.max_sessions:
        await ws.send_str(to_json({"type": "error", "message":
                                   f"the server already runs {mgr.limits.max_sessions} sessions, its "
                                   f"limit; close another tab and reload"}))
        await ws.close(code=1013, message=b"too many sessions")
        return ws
    conn = Connection(ws, mgr)
    mgr.connections.add(conn)
    sender = asyncio.create_task(conn.sender())
    conn.reply({"type": "hello", "limits": mgr.limits.to_dict()})
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await conn.receive(msg.data)
            elif msg.type == WSMsgType.ERROR:
                break
            else:
                conn.reply({"type": "error", "message": "only text messages (JSON) are understood"})
    finally:
        mgr.connections.discard(conn)
        conn.shutdown()
        sender.cancel()
    return ws


def make_app(limits: Limits = DEFAULT_LIMITS, loopback: bool = True) -> web.Application:
    """The aiohttp application (see the module docstring for its routes)."""
    files = static_files()
    mgr = Manager(limits, loopback)
    options = json.dumps(cfgmod.options(limits))

    @web.middleware
    async def guard(request: web.Request, handler):
        if not _host_ok(request, mgr):
            return web.Response(status=421, text="the playground answers loopback host names only")
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    def serve_file(name: str) -> web.Response:
        if name not in files:
            raise web.HTTPNotFound(text="no such file")
        body, ctype = files[name]
        return web.Response(body=body, content_type=ctype, charset="utf-8" if ctype.startswith("text") else None)

    async def index(request):
        return serve_file("index.html")

    async def static(request):
        return serve_file(request.match_info["name"])

    async def api_options(request):
        return web.Response(text=options, content_type="application/json")

    async def api_status(request):
        return web.json_response(mgr.status())

    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[MANAGER] = mgr
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/api/options", api_options)
    app.router.add_get("/api/status", api_status)
    app.router.add_get("/ws", ws_handler)

    async def on_shutdown(app):
        for conn in list(mgr.connections):
            await conn.ws.close(code=1001, message=b"server shutting down")
        for s in list(mgr.sessions):
            s.cmds.put({"type": "close"})
    app.on_shutdown.append(on_shutdown)
    return app


async def _start(host: str, port: int, limits: Limits) -> tuple[web.AppRunner, str]:
    app = make_app(limits, loopback=host in LOOPBACK)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sock = site._server.sockets[0].getsockname()  # the port chosen when port=0
    shown = f"[{host}]" if ":" in host else host
    return runner, f"http://{shown}:{sock[1]}/"


def serve(host: str = "127.0.0.1", port: int = 8000, limits: Limits = DEFAULT_LIMITS,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl-C; ``ready(url)`` is called once the socket listens."""
    async def main():
        runner, url = await _start(host, port, limits)
        if ready is not None:
            ready(url)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class ServerHandle:
    """A server running on its own thread (for tests and notebooks): ``url``, ``stop()``."""

    def __init__(self, host: str, port: int, limits: Limits):
        self.url = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(host, port, limits),
                                        name="playground-server", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error

    def _run(self, host: str, port: int, limits: Limits) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.runner, self.url = self.loop.run_until_complete(_start(host, port, limits))
        except BaseException as exc:  # noqa: BLE001 -- handed to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    @property
    def manager(self) -> Manager:
        return self.runner.app[MANAGER]

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)


def start_in_thread(host: str = "127.0.0.1", port: int = 0,
                    limits: Limits = DEFAULT_LIMITS) -> ServerHandle:
    """Start the server on a background thread; ``port=0`` picks a free port."""
    return ServerHandle(host, port, limits)
