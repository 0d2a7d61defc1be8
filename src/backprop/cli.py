"""The ``backprop`` command: one subcommand per module in :mod:`backprop.commands`.

Exit codes: 0 success, 1 a failure (bad data, corrupt file, a full disk, too
little memory, ...), 2 bad usage.  Errors and warnings are one line each on
stderr; no traceback for anything a user can cause.  Numeric options are
checked as they are parsed (:func:`number`: finite and in range, by flag
name).  Each command module defines ``add_parser(subparsers)`` returning its
parser, with ``run(args) -> int`` set as the parser's default ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from ._errors import (MAX_JOBS, BackpropError, DataError, UsageError, file_path, jobs,  # noqa: F401
                      number, numbers, parse_list, seed)  # the argparse types the commands use

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
    command = f"backprop {args.command}"
    try:
        with warnings_printed(args.command):  # library warnings as one line each
            code = int(args.func(args) or 0)
            sys.stdout.flush()   # a full disk behind stdout is an error of this command
            return code
    except BackpropError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except ImportError as exc:  # an optional extra is not installed
        hint = "" if "pip install" in str(exc) else " (pip install 'backprop-mlp[all]' installs every extra)"
        print(f"{command}: error: {exc}{hint}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # stdout closed early (``backprop predict ... | head``): stop quietly
        _drop_stdout()
        return 1
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError as exc:
        print(f"{command}: error: out of memory{f' ({exc})' if str(exc) else ''}; use a smaller "
              "network or less data", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only file system, a path that cannot be
        _drop_stdout()      # a file: the OS's reason and the path, in one line
        print(f"{command}: error: {os_reason(exc)}", file=sys.stderr)
        return 1


def os_reason(exc: OSError) -> str:
    """``'No space left on device: out/model.bp'``: the OS's reason and the path(s)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{reason}: {' -> '.join(names)}" if names else reason


def _drop_stdout() -> None:
    """Whatever stdout still buffers goes nowhere (its file is closed early or full)."""
    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def check_out(path: str | os.PathLike, flag: str = "--out", size: int = 0,
              make_parents: bool = False) -> None:
    """Before the work: ``DataError`` naming ``flag`` unless the output file can be written."""
    from ._atomic import check_writable
    try:
        check_writable(path, size, make_parents)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        folder = Path(path).parent
        if isinstance(exc, FileNotFoundError) and not make_parents and not folder.is_dir():
            reason = f"directory {str(folder)!r} does not exist"
        raise DataError(f"cannot write {flag} {str(path)!r}: {reason}") from None


def check_memory(what: str, need: int) -> None:
    """``DataError`` naming ``what`` (flags and values) when ``need`` bytes exceed the free memory."""
    from .training.memory import available_bytes, describe_bytes
    have = available_bytes()
    if have is not None and need > have:
        raise DataError(f"{what} needs at least {describe_bytes(need)} of memory, "
                        f"{describe_bytes(have)} is available; make it smaller")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
