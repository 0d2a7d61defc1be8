"""The playground's web server (aiohttp): the page, its static files, and one WebSocket per tab.

Routes (all but the static files need the launch's token, see :mod:`.access`)::

    GET /?token=T         the page (static/index.html); sets the token cookie
    GET /static/NAME      a file of the package's static/ folder -- only the files listed at
                          start-up are served, by exact name: nothing outside the folder
    GET /api/options      choices, optimizer hyperparameters with ranges, limits, defaults
    GET /api/status       {"sessions", "threads", "max_sessions"}
    GET /ws?token=T       the WebSocket of one session (see docs/playground.md for messages)

Each WebSocket owns one :class:`~.session.Session`; when it closes, the
session's thread ends and its queued work is dropped.  Messages are size- and
rate-limited per connection, the number of sessions is bounded, every request
passes the Host allow-list (no DNS rebinding), a request with an Origin and
every WebSocket must come from the page itself (no cross-site requests), and
the token is checked.  At shutdown every socket is closed with 1001 (going away).
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
from importlib import resources
from typing import Callable, Iterable

from aiohttp import WSMsgType, web

from .._errors import ConfigError
from .catalog import options as page_options
from .access import WILDCARDS, Access
from .connection import Connection, Manager
from .limits import DEFAULT_LIMITS, Limits
from .session import to_json

__all__ = ["make_app", "serve", "start_in_thread", "ServerHandle"]

TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript",
         ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
MANAGER = web.AppKey("manager", object)
PUBLIC = {"static"}                # routes served without the token: the package's own files
CLOSE_TIMEOUT = 2.0                # seconds a client has to answer the server's close frame
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


def _given_token(request: web.Request) -> str | None:
    """The token a request shows: ``?token=`` if present, else the page's cookie."""
    if "token" in request.query:
        return request.query["token"]
    return request.cookies.get(Access.cookie_name(request.headers.get("Host", "")))


async def ws_handler(request: web.Request) -> web.StreamResponse:
    mgr: Manager = request.app[MANAGER]
    if "Origin" not in request.headers:
        raise web.HTTPForbidden(text="a WebSocket needs an Origin header: open it from the playground's page")
    ws = web.WebSocketResponse(max_msg_size=mgr.limits.max_message_bytes, heartbeat=30,
                               timeout=CLOSE_TIMEOUT)
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


def _refusal(request: web.Request, access: Access) -> web.Response | None:
    """The answer to a request that fails the Host, Origin or token check; None if it passes."""
    host = request.headers.get("Host", "")
    if not access.host_ok(host):
        return web.Response(status=421, text=f"the playground does not answer to the host name "
                            f"{host[:100]!r}; start it with --allow-host NAME to allow a name")
    origin = request.headers.get("Origin")
    if origin is not None and not access.same_origin(origin, host):
        return web.Response(status=403, text="requests from another site's page are refused")
    if request.match_info.route.name in PUBLIC:
        return None
    given = _given_token(request)
    if not access.token_ok(given):
        why = ("needs its token" if given is None else
               "got a wrong token (it makes a new one each time it starts)")
        return web.Response(status=403, text=f"this playground {why}: open the address printed "
                            f"where it was started (http://HOST:PORT/?token=...)")
    return None


def make_app(limits: Limits = DEFAULT_LIMITS, access: Access | None = None) -> web.Application:
    """The aiohttp application (see the module docstring for its routes); ``access``: its checks."""
    files = static_files()
    access = access or Access()
    mgr = Manager(limits, access)
    options = json.dumps(page_options(limits))

    @web.middleware
    async def guard(request: web.Request, handler):
        response = _refusal(request, access)
        if response is None:
            response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def serve_file(name: str) -> web.Response:
        if name not in files:
            raise web.HTTPNotFound(text="no such file")
        body, ctype = files[name]
        return web.Response(body=body, content_type=ctype, charset="utf-8" if ctype.startswith("text") else None)

    async def index(request):
        response = serve_file("index.html")
        if "token" in request.query:     # checked by the guard: remember it, so reloads work
            response.set_cookie(Access.cookie_name(request.headers["Host"]), access.token,
                                httponly=True, samesite="Strict", path="/")
        return response

    async def static(request):
        return serve_file(request.match_info["name"])

    async def api_options(request):
        return web.Response(text=options, content_type="application/json")

    async def api_status(request):
        return web.json_response(mgr.status())

    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[MANAGER] = mgr
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static, name="static")
    app.router.add_get("/api/options", api_options)
    app.router.add_get("/api/status", api_status)
    app.router.add_get("/ws", ws_handler)

    async def on_shutdown(app):
        for s in list(mgr.sessions):       # stop the threads' work first ...
            s.stop()
        await asyncio.gather(*(conn.ws.close(code=1001, message=b"server shutting down")   # ... then
                               for conn in list(mgr.connections)), return_exceptions=True)  # say so
    app.on_shutdown.append(on_shutdown)
    return app


def _shown_host(host: str) -> str:
    """The host part of the address to open for a server bound to ``host`` (loopback for 0.0.0.0, ::)."""
    if host.strip("[]") in WILDCARDS:
        host = "::1" if ":" in host else "127.0.0.1"
    return f"[{host.strip('[]')}]" if ":" in host else host


def _access(host: str, allow_hosts: Iterable[str]) -> Access:
    try:
        return Access(host, allow_hosts)
    except ValueError as exc:
        raise ConfigError(f"allow_hosts: {exc}") from None


def one_blas_thread() -> bool:
    """Make NumPy's BLAS compute on one thread (through threadpoolctl, where installed).

    Every session is a thread of its own with its share of a core (:mod:`.budget`); a BLAS
    that spreads each product over every core would take more than that share, and on a
    busy machine threads that wait for each other make a big network many times slower.
    This holds for the whole process.  Returns whether the limit could be set.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(1, user_api="blas")
    return True


async def _start(host: str, port: int, limits: Limits, access: Access) -> tuple[web.AppRunner, str]:
    one_blas_thread()
    app = make_app(limits, access)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sock = site._server.sockets[0].getsockname()  # the port chosen when port=0
    return runner, f"http://{_shown_host(host)}:{sock[1]}/"


def serve(host: str = "127.0.0.1", port: int = 8000, limits: Limits = DEFAULT_LIMITS,
          ready: Callable[[str], None] | None = None, allow_hosts: Iterable[str] = ()) -> None:
    """Serve until Ctrl-C or SIGTERM; ``ready(url)`` gets the address with the token once it listens.

    ``allow_hosts``: host names the ``Host`` header may carry besides localhost (see :mod:`.access`).
    """
    access = _access(host, allow_hosts)

    async def main():
        runner, url = await _start(host, port, limits, access)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):   # both end with a 1001 to every page
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):   # not the main thread, Windows
                pass
        if ready is not None:
            ready(f"{url}?token={access.token}")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class ServerHandle:
    """A server running on its own thread (for tests and notebooks).

    ``url`` is the address to open (with ``?token=``), ``base`` the same without it,
    ``token`` the launch's token; ``stop()`` ends it.
    """

    def __init__(self, host: str, port: int, limits: Limits, allow_hosts: Iterable[str] = ()):
        self.url = self.base = ""
        self.access = _access(host, allow_hosts)
        self.token = self.access.token
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
            self.runner, self.base = self.loop.run_until_complete(_start(host, port, limits, self.access))
            self.url = f"{self.base}?token={self.token}"
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


def start_in_thread(host: str = "127.0.0.1", port: int = 0, limits: Limits = DEFAULT_LIMITS,
                    allow_hosts: Iterable[str] = ()) -> ServerHandle:
    """Start the server on a background thread; ``port=0`` picks a free port."""
    return ServerHandle(host, port, limits, allow_hosts)
