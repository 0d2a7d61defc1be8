"""What the page offers (``GET /api/options``): choices, limits, defaults, presets, and the maths.

Every formula the page shows in a tooltip comes from the library's registries, not
from a copy in the page: an activation's ``formula`` and ``deriv_formula``
(:mod:`backprop.activations`), a loss's ``formula``, ``dz_formula`` and canonical
output (:mod:`backprop.losses`), an initialisation scheme's line of
:mod:`backprop.initializers`' docstring, and an optimizer's update rule, its
class docstring (:mod:`backprop.optim`).  A hyperparameter's tooltip is the part of
that docstring that mentions it (``dampening``, ``lecture_form``, ...).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from .. import activations, initializers, losses, optim
from .config import BATCH_MODES, DATASETS, HIDDEN_ACTIVATIONS, STOP_WHEN, TASKS, defaults
from .limits import DEFAULT_LIMITS, Limits
from .presets import PRESETS, preset_config

__all__ = ["options", "doc_blocks", "param_help", "init_formula"]


def doc_blocks(doc: str) -> list[str]:
    """A docstring's paragraphs; a paragraph ending in ``::`` keeps its indented block."""
    blocks: list[list[str]] = []
    literal = False
    for line in doc.splitlines():
        if not line.strip():
            if blocks and blocks[-1] and not literal:
                blocks.append([])
            continue
        indented = line.startswith((" ", "\t"))
        if literal and not indented:
            literal = False
            blocks.append([])
        if not blocks:
            blocks.append([])
        blocks[-1].append(line)
        if line.rstrip().endswith("::"):
            literal = True
    return ["\n".join(b) for b in blocks if b]


def param_help(doc: str, name: str) -> str:
    """The blocks of ``doc`` that mention hyperparameter ``name`` (``lecture_form`` or "lecture form")."""
    words = rf"\b({re.escape(name)}|{re.escape(name.replace('_', ' '))})\b"
    return "\n\n".join(b for b in doc_blocks(doc) if re.search(words, b, re.IGNORECASE))


def init_formula(scheme: str) -> str:
    """The line of :mod:`backprop.initializers`' docstring that defines ``scheme``."""
    for line in (initializers.__doc__ or "").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] == scheme:
            return " ".join(parts[1].split())
    return ""


def _optimizer(name: str) -> dict[str, Any]:
    cls = optim.base._REGISTRY[name]
    doc = inspect.getdoc(cls) or ""
    params = []
    for key, default in cls.defaults.items():
        kind = ("bool" if isinstance(default, bool) else "int" if isinstance(default, int)
                else "float" if isinstance(default, float) else "text" if isinstance(default, str)
                else "list")
        rng = cls.ranges.get(key)
        params.append({"name": key, "kind": kind,
                       "default": list(default) if isinstance(default, tuple) else default,
                       "low": rng[0] if rng else None,
                       "high": rng[1] if rng and len(rng) > 1 else None,
                       "help": param_help(doc, key)})
    return {"name": name, "second_order": bool(cls.needs_oracle),
            "full_batch_only": bool(cls.full_batch_only), "params": params, "rule": doc}


def options(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Everything the page offers, with the registries' formulas (see the module docstring)."""
    acts = {name: {"formula": a.formula, "deriv_formula": a.deriv_formula,
                   "elementwise": a.elementwise}
            for name in activations.available() for a in [activations.get(name)]}
    loss_info = {name: {"formula": f.formula, "dz_formula": f.dz_formula, "canonical": f.canonical}
                 for name in losses.available() for f in [losses.get(name)]}
    return {"datasets": list(DATASETS), "activations": list(HIDDEN_ACTIVATIONS),
            "output_activations": activations.available(), "losses": losses.available(),
            "inits": initializers.available(), "batch_modes": list(BATCH_MODES),
            "tasks": list(TASKS), "stop_when": {k: v for k, v in STOP_WHEN.items()},
            "activation_formulas": acts, "loss_formulas": loss_info,
            "init_formulas": {s: init_formula(s) for s in initializers.available()},
            "optimizers": [_optimizer(name) for name in optim.available()],
            "presets": {name: {"config": preset_config(name), "reaches": p["reaches"]}
                        for name, p in PRESETS.items()},
            "limits": limits.to_dict(), "defaults": defaults()}
