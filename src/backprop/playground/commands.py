"""The commands a page sends to its session, checked against the session's own sizes.

``play``, ``pause``, ``step`` (``unit``: ``iteration`` or ``epoch``), ``set``
(``learning_rate``, ``speed``), ``watch`` (a weight by flat ``index`` or a unit by
``layer``/``unit``, with a training ``sample``) and ``landscape`` (parameters ``i``,
``j`` and a ``resolution``) and ``download`` (``format``: ``model`` or ``weights``).
:func:`check_command` returns a clean copy or raises
:class:`~backprop.ConfigError` naming the field and its valid range.
"""

from __future__ import annotations

from typing import Any

from .._errors import ConfigError
from .config import _number
from .downloads import FORMATS

__all__ = ["check_command"]


def check_command(session: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    """A validated copy of ``cmd`` for ``session`` (a :class:`~.session.Session`)."""
    kind = cmd.get("type")
    n_train, P = len(session.data.train), session.net.n_params
    if kind in ("play", "pause"):
        return {"type": kind}
    if kind == "step":
        unit = cmd.get("unit", "iteration")
        if unit not in ("iteration", "epoch"):
            raise ConfigError(f"step unit must be 'iteration' or 'epoch', got {unit!r}")
        return {"type": "step", "unit": unit}
    if kind == "set":
        out = {"type": "set"}
        if "learning_rate" in cmd:
            if "learning_rate" not in session.opt.hyperparameters:
                raise ConfigError(f"optimizer {session.opt.name} has no learning rate")
            out["learning_rate"] = _number("learning_rate", cmd["learning_rate"], 0.0,
                                        session.limits.max_learning_rate, low_open=True)
        if "speed" in cmd:
            out["speed"] = _number("speed", cmd["speed"], 0.1, session.limits.max_speed)
        return out
    if kind == "watch":
        what = cmd.get("kind")
        sample = _number("sample", cmd.get("sample", 0), 0, n_train - 1, integer=True)
        if what is None:
            return {"type": "watch", "watch": None}
        if what == "weight":
            return {"type": "watch", "watch": {"kind": "weight", "sample": sample,
                                               "index": _number("index", cmd.get("index"), 0, P - 1, integer=True)}}
        if what == "unit":
            layer = _number("layer", cmd.get("layer"), 1, len(session.net.layers), integer=True)
            unit = _number("unit", cmd.get("unit"), 0, session.net.layer_sizes[layer] - 1, integer=True)
            return {"type": "watch", "watch": {"kind": "unit", "layer": layer, "unit": unit,
                                               "sample": sample}}
        raise ConfigError(f"watch kind must be 'weight', 'unit' or null, got {what!r}")
    if kind == "download":
        fmt = cmd.get("format")
        if fmt not in FORMATS:
            raise ConfigError(f"download format must be one of {', '.join(FORMATS)}, got {fmt!r}"[:200])
        return {"type": "download", "format": fmt}
    if kind == "landscape":
        i = _number("i", cmd.get("i"), 0, P - 1, integer=True)
        j = _number("j", cmd.get("j"), 0, P - 1, integer=True)
        res = _number("resolution", cmd.get("resolution", 31), 5, session.limits.max_grid, integer=True)
        if i == j and P > 1:
            raise ConfigError("choose two different parameters for the landscape")
        return {"type": "landscape", "i": i, "j": j, "resolution": res}
    raise ConfigError(f"unknown command {kind!r}; valid: play, pause, step, set, watch, "
                      f"landscape, download")

