"""``backprop demo NAME``: run one of the demonstrations in :mod:`backprop.demos`."""

from __future__ import annotations

import argparse
import importlib

from ..demos import DEMOS


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser("demo", help="run a demonstration (xor, ...)",
                            description="Run a demonstration end to end.")
    demos = parser.add_subparsers(dest="demo", metavar="NAME", required=True)
    for name, module_name in DEMOS.items():
        module = importlib.import_module(module_name)
        p = demos.add_parser(name, help=module.__doc__.strip().splitlines()[0],
                             description=module.__doc__.strip())
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser
