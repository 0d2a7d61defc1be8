"""The trained network as a file for the page to save: a model file, or its weights as JSON.

* ``model`` -- a :class:`backprop.Model` written by :func:`backprop.io.save_model`: the
  network, the inputs' preprocessing (the training set's
  :class:`~backprop.preprocessing.StandardScaler` and the
  :class:`~backprop.preprocessing.DerivedFeatures`, when used), the task, the class
  labels, the loss, the raw columns' names, the loss curves and the playground's
  settings as metadata.  ``backprop predict MODEL.bp data.csv`` and
  :func:`backprop.load_model` read it; it runs no code when loaded.
* ``weights`` -- JSON: per layer ``W`` (``W[i][j]`` connects input j to unit i), ``b`` and
  the activation, with the architecture, the inputs' names and preprocessing, and the
  epoch it was taken at.  Python's float repr round-trips, so the numbers are exact.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..io import save_model
from ..model import Model
from ..network import Network
from .data import PlayData

__all__ = ["model", "model_file", "weights_json", "message", "FORMATS"]

FORMATS = {"model": ("application/octet-stream", ".bp"), "weights": ("application/json", ".json")}


def model(net: Network, data: PlayData, loss: str, history: dict[str, list[float]],
          metadata: dict[str, Any]) -> Model:
    """The session's network with everything needed to use it on raw data."""
    task = "regression" if data.task == "regression" else "classification"
    meta = {"made_by": f"backprop {__version__} playground", **metadata}
    if data.csv_spec is not None:
        meta["csv"] = data.csv_spec
    return Model(net.copy(), task=task, classes=data.classes if task == "classification" else None,
                 loss=loss, preprocessing=data.preprocessing(), feature_names=list(data.columns),
                 history=history, metadata=meta)


def model_file(m: Model) -> bytes:
    """The bytes :func:`backprop.io.save_model` writes for ``m``."""
    with tempfile.TemporaryDirectory(prefix="backprop-playground-") as tmp:
        path = save_model(Path(tmp) / "model.bp", m)
        return path.read_bytes()


def weights_json(net: Network, data: PlayData, loss: str, epoch: int, iteration: int,
                 config: dict[str, Any]) -> str:
    """The weights per layer as JSON (see the module docstring)."""
    pre = []
    if data.scaler is not None:
        pre.append({"step": "standardise", "mean": data.scaler.mean_.tolist(),
                    "scale": data.scaler.scale_.tolist(), "rule": "x' = (x - mean) / scale"})
    if data.features is not None:
        pre.append({"step": "features", "features": list(data.features.features)})
    doc = {"format": "backprop-playground-weights", "version": 1, "backprop_version": __version__,
           "layer_sizes": list(net.layer_sizes), "activations": net.activations, "loss": loss,
           "columns": list(data.columns), "inputs": data.feature_names, "preprocessing": pre,
           "task": data.task, "classes": data.classes, "epoch": epoch, "iteration": iteration,
           "layers": [{"layer": l + 1, "activation": layer.activation.name,
                       "W": layer.W.tolist(), "b": layer.b.tolist()}
                      for l, layer in enumerate(net.layers)],
           "params": np.asarray(net.params).tolist(), "settings": config}
    return json.dumps(doc, indent=1, allow_nan=True)


def message(s: Any, fmt: str) -> dict[str, Any]:
    """The ``download`` message of session ``s``: its network as a file, named after data and epoch."""
    run, name = s.trainer.run_, s.cfg["data"]["name"]
    settings = {part: dict(v) for part, v in s.cfg.items()}
    settings["data"]["csv"] = None
    stem = f"playground-{name}-epoch{run.epoch}"
    if fmt == "weights":
        body = weights_json(s.net, s.data, s.options["loss"], run.epoch, run.iteration,
                            settings).encode()
    else:
        h = run.history
        history = {k: [float(v) for v in getattr(h, k)] for k in ("loss", "val_loss", "metric", "val_metric")
                   if getattr(h, k) and None not in getattr(h, k)}
        body = model_file(model(s.net, s.data, s.options["loss"], history,
                                {"settings": settings, "epoch": run.epoch, "iteration": run.iteration}))
    mime, ext = FORMATS[fmt]
    return {"type": "download", "format": fmt, "filename": stem + ext, "mime": mime,
            "size": len(body), "data": base64.b64encode(body).decode("ascii")}
