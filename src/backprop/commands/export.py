"""``backprop export MODEL --format onnx|python|c [--out FILE]``: turn a model file into code."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import check_out, file_path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ..export import FORMATS
    parser = sub.add_parser(
        "export", help="export a saved model to ONNX, Python or C",
        description="Export a model file written by backprop to ONNX (float32), a Python module "
                    "that needs only math, or a C99 file that needs only math.h.")
    parser.add_argument("model", type=file_path, help="model file written by backprop (save_model)")
    parser.add_argument("--format", "-f", required=True, choices=list(FORMATS),
                        help="what to write")
    parser.add_argument("--out", "-o", type=file_path, default=None,
                        help="output file (default: the model's name with .onnx, .py or .c)")
    parser.add_argument("--network-only", action="store_true",
                        help="export the network alone, without the preprocessing steps")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..export import FORMATS, export_model
    from ..io import load_model

    out = Path(args.out) if args.out else Path(args.model).with_suffix(FORMATS[args.format])
    check_out(out)
    model = load_model(args.model)
    export_model(model, out, args.format, include_preprocessing=not args.network_only)
    print(f"wrote {out}")
    return 0
