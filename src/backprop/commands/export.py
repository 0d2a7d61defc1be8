"""``backprop export MODEL --format onnx|python|c [--numeric ...] [--calibrate CSV] [--check CSV]``.

Turns a model file into code.  For C, ``--numeric`` picks double (default), float, or the
integer-only fixed-point formats q15 and int8; these print their scales, worst-case
accumulators and the flash and RAM the compiled code needs.  ``--check DATA.csv`` compiles the
export, runs it on the rows and reports how well it agrees with the model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .._errors import UsageError
from ..cli import check_out, file_path
from . import _tabular as tab

FIXED = ("q15", "int8")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from ..export import FORMATS, NUMERICS
    parser = sub.add_parser(
        "export", help="export a saved model to ONNX, Python or C (float or fixed point)",
        description="Export a model file written by backprop to ONNX (float32), a Python module "
                    "that needs only math, or a C99 file: double or float (needs only math.h), or "
                    "q15 / int8 fixed point (integer-only, needs only stdint.h).",
        epilog="example: backprop export digits.bp --format c --numeric int8 "
               "--calibrate train.csv --check test.csv")
    parser.add_argument("model", type=file_path, help="model file written by backprop (save_model)")
    parser.add_argument("--format", "-f", required=True, choices=list(FORMATS),
                        help="what to write")
    parser.add_argument("--out", "-o", type=file_path, default=None,
                        help="output file (default: the model's name with .onnx, .py or .c)")
    parser.add_argument("--network-only", action="store_true",
                        help="export the network alone, without the preprocessing steps")
    parser.add_argument("--numeric", choices=NUMERICS, default=None,
                        help="C arithmetic: float64 (double, default), float32 (float), q15 "
                             "(16-bit fixed point) or int8 (8-bit, per-unit scales)")
    parser.add_argument("--calibrate", metavar="DATA.csv", default=None,
                        help="rows (read like predict's input) that set the fixed-point ranges")
    parser.add_argument("--check", metavar="DATA.csv", default=None,
                        help="compile the C file (cc), run it on these rows and report its agreement "
                             "with the model")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_write
    from ..export import FORMATS, export_model, quantize, toolchain
    from ..export.fixed import fixed_source
    from ..io import load_model

    numeric = args.numeric or "float64"
    if args.format != "c" and (args.numeric or args.calibrate or args.check):
        flag = "--numeric" if args.numeric else "--calibrate" if args.calibrate else "--check"
        raise UsageError(f"{flag} is an option of the C export; add --format c")
    if args.calibrate and numeric not in FIXED:
        raise UsageError("--calibrate sets fixed-point ranges; it needs --numeric q15 or int8")
    out = Path(args.out) if args.out else Path(args.model).with_suffix(FORMATS[args.format])
    check_out(out)  # before any work
    model = load_model(args.model)
    include = not args.network_only
    calibration = tab.read_for_model(args.calibrate, model).X if args.calibrate else None
    checked = tab.read_for_model(args.check, model) if args.check else None
    if numeric in FIXED:  # quantised once: its report is printed, its source written
        quantized = quantize(model, numeric, calibration, include)
        source = fixed_source(quantized)
        with atomic_write(out) as f:
            f.write(source.encode("utf-8"))
        print(f"wrote {out}")
        print(quantized.report())
    else:
        export_model(model, out, args.format, include, numeric)
        print(f"wrote {out}")
        if args.format != "c":
            return 0
        source = out.read_text(encoding="utf-8")
    for line in _footprints(toolchain, source):
        print(line)
    if checked is not None:
        agreement = toolchain.check(model, checked.X, numeric, include_preprocessing=include,
                                    y=checked.y, source=source)
        print(agreement.line())
    return 0


def _footprints(toolchain, source: str) -> list[str]:
    """The footprint measured with cc (or estimated without it) and, when installed, on Cortex-M4."""
    try:
        lines = [toolchain.footprint(source).line()]
    except toolchain.CompilerError:
        lines = [toolchain.estimate(source).line()]
    arm = toolchain.cross_compiler()
    if arm:
        try:
            lines.append(toolchain.footprint(source, arm, toolchain.CORTEX_M4).line())
        except toolchain.CompilerError as exc:
            lines.append(f"footprint (arm-none-eabi-gcc, Cortex-M4): not measured: {exc}")
    return lines
