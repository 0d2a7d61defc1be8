"""Export a trained :class:`~backprop.model.Model` to run without backprop.

    to_onnx(model)    an ``onnx.ModelProto`` (float32; needs the ``onnx`` package)
    to_python(model)  source of a Python module that needs only ``math``
    to_c(model)       C99 source needing only ``math.h``: ``backprop_predict(x, out)``;
                      ``numeric="float32"`` in ``float``, ``"q15"`` / ``"int8"`` integer-only
                      fixed point needing only ``stdint.h`` (:mod:`.fixed`, :mod:`.quantize`)
    quantize(model, numeric, calibration)   the fixed-point model: scales, overflow bounds
    toolchain.footprint / toolchain.check   flash and RAM of the compiled code; agreement

Each folds the input preprocessing and an affine target transform into the
exported computation when the transformers say how (``export_ops()``, see
:mod:`backprop.export._plan`); ``include_preprocessing=False`` exports the
network alone.  Every activation exports, ``step`` as ``s >= 0``.
See ``docs/export.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._atomic import atomic_write
from .._errors import ConfigError, check_choice
from ..model import Model
from .c import NUMERICS, to_c
from .onnx import to_onnx
from .python import to_python
from .quantize import quantize

__all__ = ["FORMATS", "NUMERICS", "export_model", "quantize", "to_c", "to_onnx", "to_python"]

FORMATS = {"onnx": ".onnx", "python": ".py", "c": ".c"}


def export_model(model: Model, path: str | os.PathLike, format: str = "onnx",
                 include_preprocessing: bool = True, numeric: str = "float64",
                 calibration=None) -> Path:
    """Write ``model`` in ``format`` ("onnx", "python" or "c") to ``path`` atomically; returns the path.

    ``numeric`` and ``calibration`` are for C (see :func:`to_c`)."""
    check_choice("export format", format, FORMATS)
    if format != "c" and (numeric != "float64" or calibration is not None):
        raise ConfigError(f"numeric and calibration are options of the C export, not of {format!r}")
    path = Path(path)
    if format == "onnx":
        data = to_onnx(model, include_preprocessing).SerializeToString()
    elif format == "python":
        data = to_python(model, include_preprocessing).encode("utf-8")
    else:
        data = to_c(model, include_preprocessing, numeric, calibration).encode("utf-8")
    with atomic_write(path) as f:
        f.write(data)
    return path
