"""The messages a session sends: ``data`` once per session, ``state`` snapshots while it trains.

A ``state`` holds the counters, the loss curves (thinned to :data:`HISTORY_POINTS`), the
parameters (float64 bytes in base64, bit for bit: ``params_b64``; while a network of more
than :data:`EXACT_WHILE_PLAYING` parameters plays, float32, ``params_dtype`` says), the scores now
(:func:`.measures.scores`), the maps (:func:`.views.maps`), the optimizer's path for
the error surface, and, when something is clicked, its numbers (``inspect``).  All of it
is computed on the session's thread while the trainer waits, so it is one state.
"""

from __future__ import annotations

import base64
import math
import time
from typing import Any

import numpy as np

from .._errors import BackpropError
from . import measures, views
from .config import STOP_WHEN
from .data import derived_choices

__all__ = ["snapshot", "inspect", "dataset", "encode_params", "decode_params", "HISTORY_POINTS"]

EXACT_WHILE_PLAYING = 4096   # bigger networks send float32 parameters while playing (half the bytes)
HISTORY_POINTS = 360     # loss-curve points sent per snapshot (evenly thinned; the chart is 360 px wide)


def encode_params(params: np.ndarray, dtype: str = "<f8") -> str:
    """Parameters as little-endian float64 (exact) or float32 bytes in base64."""
    return base64.b64encode(np.ascontiguousarray(params, dtype=dtype).tobytes()).decode("ascii")


def decode_params(text: str, dtype: str = "<f8") -> np.ndarray:
    """The inverse of :func:`encode_params` (as float64)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).astype(np.float64)


def _thin(n: int, k: int) -> np.ndarray:
    return np.arange(n) if n <= k else np.unique(np.linspace(0, n - 1, k).round().astype(int))


def stop_text(s: Any) -> str | None:
    """The stop condition in words, e.g. ``test accuracy >= 0.95``."""
    t = s.cfg["training"]
    if t["stop_when"] == "off":
        return None
    value = t["stop_value"]
    shown = f"{value:g}" if t["stop_when"] != "epoch" else str(int(value))
    return f"{t['stop_when'].replace('_', ' ')} {STOP_WHEN[t['stop_when']]} {shown}"


def snapshot(s: Any) -> dict[str, Any]:
    """Everything the page draws, at the session's current state."""
    run, net, data = s.trainer.run_, s.net, s.data
    h = run.history
    keep = _thin(len(h.epoch) + 1, HISTORY_POINTS)
    epochs = [0, *h.epoch]
    now = s.losses()
    mid_epoch = run.order is not None and 0 < run.pos < run.n_batches
    path = s.path_so_far(list(s.pair))
    reason = None if s.running else h.stop_reason
    dtype = "<f4" if s.mode == "play" and net.n_params > EXACT_WHILE_PLAYING else "<f8"
    s.probe.params[...] = net.params
    state = {
        "type": "state", "mode": s.mode, "running": s.running,
        "epoch": run.epoch, "iteration": run.iteration,
        "batch_in_epoch": run.pos if mid_epoch else 0,
        "iterations_per_epoch": h.iterations_per_epoch or -(-len(data.train) // run.batch_size),
        "batch_size": run.batch_size, "n_train": len(data.train), "n_test": len(data.test),
        "learning_rate": float(np.mean(run.opt_state.get("learning_rate", math.nan))),
        "speed": s.speed,
        "stop_reason": "target" if reason == "callback" else reason,
        "stop_condition": stop_text(s), "target_epoch": s.target_epoch,
        "diagnosis": h.diagnosis, "best_epoch": h.best_epoch,
        "history": {"epoch": [epochs[k] for k in keep],
                    "loss": [h.loss[k - 1] if k else s.initial[0] for k in keep],
                    "test_loss": [h.val_loss[k - 1] if k else s.initial[1] for k in keep],
                    "metric": [h.metric[k - 1] if k else None for k in keep],
                    "test_metric": [h.val_metric[k - 1] if k else None for k in keep],
                    "metric_name": h.metric_name},
        "loss_now": now[0], "test_loss_now": now[1], "scores": measures.scores(net, data),
        "layer_sizes": list(net.layer_sizes), "activations": net.activations,
        "params_dtype": dtype, "params_b64": encode_params(net.params, dtype),
        "pair": list(s.pair), "path": path[_thin(len(path), 600)].tolist(),
        **views.maps(s.probe, data, *s.resolution),
    }
    if s.watch is not None:
        clicked = inspect(s)
        if clicked is not None:
            state[clicked[0]] = clicked[1]
    return state


def inspect(s: Any) -> tuple[str, Any] | None:
    """The clicked weight's or unit's numbers now, as ``("inspect", ...)`` or
    ``("inspect_error", message)``; None while playing when the last ones are recent.

    While playing, a costly inspection (a big network's chain rule) is redone only after
    four times its own cost has passed, so it takes at most a fifth of the time.
    """
    now = time.perf_counter()
    if s.mode == "play" and now - s.last_inspect < 4 * s.inspect_cost:
        return None
    run, net, data, w = s.trainer.run_, s.net, s.data, s.watch
    sample = min(w["sample"], len(data.train) - 1)
    try:
        if w["kind"] == "weight":
            last = run.grad if run.iteration > 0 else None
            info = views.inspect_weight(net, data, s.options, run.opt_state, last, w["index"], sample)
        else:
            info = views.inspect_unit(net, data, s.options["loss"], w["layer"], w["unit"], sample)
    except (BackpropError, ValueError, FloatingPointError) as exc:
        return "inspect_error", str(exc)
    s.last_inspect = time.perf_counter()
    s.inspect_cost = s.last_inspect - now
    return "inspect", {**info, "iteration": run.iteration}


def dataset(s: Any) -> dict[str, Any]:
    """The points and the network's names, for the page (sent once per session)."""
    d, net = s.data, s.net
    return {"type": "data", "name": s.cfg["data"]["name"], "task": d.task, "resolved": s.resolved,
            "csv_columns": None if d.csv_spec is None else list(d.csv_spec["columns"]),
            "n_columns": d.n_columns, "n_inputs": d.n_inputs,
            "n_outputs": d.n_outputs, "columns": d.columns, "feature_names": d.feature_names,
            "feature_choices": derived_choices(d.n_columns), "plane": list(d.plane),
            "classes": None if d.classes is None else [str(c) for c in d.classes],
            "X": d.X_raw[:, list(d.plane)].tolist(), "y": d.y.tolist(), "train": d.train.tolist(),
            "test": d.test.tolist(), "bounds": d.bounds(), "notes": d.notes,
            "X_train": d.X_train.tolist(), "T_train": d.T_train.tolist(),
            "layer_sizes": list(net.layer_sizes), "activations": net.activations,
            "names": s.names, "n_params": net.n_params,
            "init_histograms": measures.init_histograms(net, s.cfg["network"]["seed"])}
