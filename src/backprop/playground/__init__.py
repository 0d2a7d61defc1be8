"""The playground: a local web page where you watch backpropagation train, every number one click away.

``backprop playground [--port P] [--host 127.0.0.1] [--allow-host NAME]`` (or
:func:`serve`) starts a small web server and prints its address with a
per-launch token (``http://127.0.0.1:8000/?token=...``).  Each browser tab
opening the page gets its own *session*: a data set, a :class:`~backprop.Network` and a :class:`~backprop.Trainer` whose
one training loop runs in a thread of the server and streams its state to the
page over a WebSocket.  Play, pause and the step buttons gate that loop from a
callback (``on_iteration_end`` / ``on_epoch_end``); the page never trains.

Modules: :mod:`.limits` (bounds on everything a page may ask for),
:mod:`.config` (validation of a page's settings), :mod:`.presets` (what each data
set's button loads, and what it reaches), :mod:`.catalog` (the page's choices with
the registries' formulas and update rules), :mod:`.commands` (validation of its
commands), :mod:`.data` (the data sets, an uploaded CSV, derived features),
:mod:`.views` (decision boundary, unit maps, clicked numbers, the error surface),
:mod:`.measures` (scores, initial-weight histograms), :mod:`.snapshot` (the messages),
:mod:`.downloads` (model file, weights JSON), :mod:`.session` and :mod:`.gate` (one
tab's training thread and the callback that steers it), :mod:`.budget` (its share of
a core), :mod:`.access` (the token, Host and Origin checks), :mod:`.server` and
:mod:`.connection` (HTTP, WebSocket, static files; they need the ``playground`` extra,
``aiohttp``, and are the only modules that import it).  See ``docs/playground.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["serve", "start_in_thread"]


def serve(host: str = "127.0.0.1", port: int = 8000, **kwargs: Any) -> None:
    """Run the playground server until interrupted (see :func:`backprop.playground.server.serve`)."""
    from .server import serve as _serve
    _serve(host, port, **kwargs)


def start_in_thread(host: str = "127.0.0.1", port: int = 0, **kwargs: Any):
    """Start the server in a background thread; a handle with ``url`` (with the token), ``base``, ``token``, ``stop()``."""
    from .server import start_in_thread as _start
    return _start(host, port, **kwargs)
