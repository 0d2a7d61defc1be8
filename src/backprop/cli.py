"""The ``backprop`` command: one subcommand per module in :mod:`backprop.commands`.

Exit codes: 0 success, 1 a failure (bad data, corrupt file, ...), 2 bad
usage.  Errors are one line on stderr; no traceback for anything a user can
cause.  Each command module defines ``add_parser(subparsers)`` returning
its parser, with ``run(args) -> int`` set as the parser's default ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn, Sequence

from ._errors import BackpropError, UsageError, parse_list  # noqa: F401  (parse_list: for the commands)

# One line per command: "name: module".  Order is the order of --help.
COMMANDS = [
    "explain",
    "demo",
    "export",
    "describe",
    "train",
    "predict",
    "evaluate",
    "plot",
    "compare",
    "sweep",
    "playground",
]


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2) instead of argparse's usage block.

    Subparsers are built with the class of their parent, so every command (and
    ``demo NAME``) inherits this.
    """

    commands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = _Parser(
        prog="backprop",
        description="Train multi-layer networks by backpropagation and look inside them.")
    parser.add_argument("--version", action="version", version=f"backprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"backprop.commands.{name}").add_parser(sub)
    parser.commands = sub.choices
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the command's parser, so that the error names the command
        parser.commands.get(args.command, parser).error(f"unrecognized arguments: {' '.join(extra)}")
    from .commands._tabular import warnings_printed
    try:
        with warnings_printed(args.command):  # library warnings as one line each
            return int(args.func(args) or 0)
    except BackpropError as exc:
        print(f"backprop {args.command}: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except ImportError as exc:  # an optional extra is not installed
        hint = "" if "pip install" in str(exc) else " (pip install 'backprop-mlp[all]' installs every extra)"
        print(f"backprop {args.command}: error: {exc}{hint}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # stdout closed early (``backprop predict ... | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"backprop {args.command}: interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"backprop {args.command}: error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
