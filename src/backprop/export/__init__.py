"""Export a trained :class:`~backprop.model.Model` to run without backprop.

    to_onnx(model)    an ``onnx.ModelProto`` (float32; needs the ``onnx`` package)
    to_python(model)  source of a Python module that needs only ``math``
    to_c(model)       C99 source needing only ``math.h``: ``backprop_predict(x, out)``

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
from .._errors import check_choice
from ..model import Model
from .c import to_c
from .onnx import to_onnx
from .python import to_python

__all__ = ["export_model", "to_onnx", "to_python", "to_c", "FORMATS"]

FORMATS = {"onnx": ".onnx", "python": ".py", "c": ".c"}


def export_model(model: Model, path: str | os.PathLike, format: str = "onnx",
                 include_preprocessing: bool = True) -> Path:
    """Write ``model`` in ``format`` ("onnx", "python" or "c") to ``path`` atomically; returns the path."""
    check_choice("export format", format, FORMATS)
    path = Path(path)
    if format == "onnx":
        data = to_onnx(model, include_preprocessing).SerializeToString()
    else:
        fn = to_python if format == "python" else to_c
        data = fn(model, include_preprocessing).encode("utf-8")
    with atomic_write(path) as f:
        f.write(data)
    return path
