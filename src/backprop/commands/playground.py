"""``backprop playground [--port P] [--host H] [--allow-host NAME]``: the web page where you watch backprop train."""

from __future__ import annotations

import argparse
import sys
import warnings

from .._errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "playground", help="start the playground web page (watch backprop train)",
        description="Start a local web server with the playground: pick data and a network, press "
                    "play, and click any weight or unit to see its value, gradient, chain-rule terms "
                    "and optimizer state. Each browser tab gets its own training session. Needs the "
                    "'playground' extra (pip install 'backprop-mlp[playground]').",
        epilog="example: backprop playground --port 8000   (then open the printed address; its "
               "?token=... is this launch's password)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0: every "
                        "network, reached by IP address or an --allow-host name)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a host name the browser may use for this server besides localhost and IP "
                        "addresses, e.g. mybox.local (repeatable); other names are refused, which "
                        "stops DNS rebinding")
    p.add_argument("--max-sessions", type=int, default=None,
                   help="most browser tabs served at once (default 32)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be in [0, 65535], got {args.port}")
    try:
        from ..playground import server
    except ImportError as exc:
        raise ConfigError(f"the playground needs aiohttp ({exc.name} is missing); install it with "
                          f"pip install 'backprop-mlp[playground]'") from None
    from ..playground.access import host_name, is_loopback
    from ..playground.limits import DEFAULT_LIMITS, Limits
    from ..training import ConvergenceWarning, TrainingDiverged

    limits = DEFAULT_LIMITS
    if args.max_sessions is not None:
        if not 1 <= args.max_sessions <= 256:
            raise ConfigError(f"--max-sessions must be in [1, 256], got {args.max_sessions}")
        limits = Limits(max_sessions=args.max_sessions)
    # The page shows each run's diagnosis; the terminal stays quiet.
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", TrainingDiverged)
    for name in args.allow_host:
        try:
            host_name(name)
        except ValueError as exc:
            raise ConfigError(f"--allow-host: {exc}") from None
    if not is_loopback(args.host):
        allowed = f" (now {', '.join(args.allow_host)})" if args.allow_host else ""
        print(f"warning: listening on {args.host}: anyone who can reach it and knows the token can use "
              f"the playground; from another machine open the address below with this machine's IP "
              f"address or a name allowed with --allow-host NAME{allowed}", file=sys.stderr)

    def ready(url: str) -> None:
        print(f"backprop playground: {url}  (Ctrl-C stops it)", flush=True)

    try:
        server.serve(args.host, args.port, limits=limits, ready=ready, allow_hosts=args.allow_host)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0
